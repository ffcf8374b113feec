//! Small-cell suppression for published statistics (domain.md section 8):
//! small counts identify people, so any count under the threshold is
//! withheld, and so is whatever would let it be recomputed.

use serde::Serialize;

/// A published count: either the number, or withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Cell {
    Count(u64),
    Suppressed { suppressed: bool },
}

impl Cell {
    pub fn value(self) -> Option<u64> {
        match self {
            Self::Count(n) => Some(n),
            Self::Suppressed { .. } => None,
        }
    }

    fn withheld() -> Self {
        Self::Suppressed { suppressed: true }
    }
}

/// Whether a count is too small to publish. Zero is safe: it names nobody.
pub fn is_small(count: u64, threshold: u64) -> bool {
    count > 0 && count < threshold
}

/// Suppresses a partition: cells that each case falls into exactly one of,
/// published next to their total. A lone withheld cell could be recomputed
/// as the total minus the others, so a second cell (the smallest visible
/// non-zero one) is withheld with it; if that is impossible the total goes too.
/// Returns the cells and the total, in the same order as given.
pub fn suppress_partition(counts: &[u64], threshold: u64) -> (Vec<Cell>, Cell) {
    let total: u64 = counts.iter().sum();
    let mut withheld: Vec<bool> = counts.iter().map(|&c| is_small(c, threshold)).collect();
    if is_small(total, threshold) {
        return (
            counts.iter().map(|&c| if c == 0 { Cell::Count(0) } else { Cell::withheld() }).collect(),
            Cell::withheld(),
        );
    }
    let mut total_cell = Cell::Count(total);
    if withheld.iter().filter(|w| **w).count() == 1 {
        let partner = counts
            .iter()
            .enumerate()
            .filter(|(i, c)| !withheld[*i] && **c > 0)
            .min_by_key(|(_, c)| **c)
            .map(|(i, _)| i);
        match partner {
            Some(i) => withheld[i] = true,
            None => total_cell = Cell::withheld(),
        }
    }
    let cells =
        counts.iter().zip(&withheld).map(|(&c, &w)| if w { Cell::withheld() } else { Cell::Count(c) }).collect();
    (cells, total_cell)
}

/// Suppresses counts where a case may fall into several cells (categories,
/// norms): no total is published with them, so each cell stands alone.
pub fn suppress_each(counts: &[u64], threshold: u64) -> Vec<Cell> {
    counts.iter().map(|&c| if is_small(c, threshold) { Cell::withheld() } else { Cell::Count(c) }).collect()
}

/// A share `part / whole`, withheld when either the part or the rest is a
/// small count (the rest would reveal the few who are not in the part).
pub fn share(part: u64, whole: u64, threshold: u64) -> Option<f64> {
    if whole == 0 || is_small(part, threshold) || is_small(whole - part.min(whole), threshold) {
        return None;
    }
    Some(part as f64 / whole as f64)
}

/// The q-quantile (0..=1) by the nearest-rank method; `None` for fewer
/// values than the threshold, so a statistic never describes a few people.
pub fn quantile(values: &mut [f64], q: f64, threshold: u64) -> Option<f64> {
    if values.is_empty() || (values.len() as u64) < threshold {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = (q * values.len() as f64).ceil().max(1.0) as usize;
    values.get(rank.min(values.len()) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recompute attack: given the published cells and total, can any
    /// withheld cell be solved for? Only if exactly one unknown remains.
    fn derivable(cells: &[Cell], total: Cell) -> bool {
        let unknown = cells.iter().filter(|c| c.value().is_none()).count();
        total.value().is_some() && unknown == 1
    }

    #[test]
    fn small_counts_are_withheld_and_zero_is_not() {
        let (cells, total) = suppress_partition(&[0, 3, 40, 50], 5);
        assert_eq!(cells[0], Cell::Count(0));
        assert_eq!(cells[1].value(), None);
        assert_eq!(cells[2].value(), None, "the smallest visible cell is withheld as well");
        assert_eq!(cells[3], Cell::Count(50));
        assert_eq!(total, Cell::Count(93));
        assert!(!derivable(&cells, total));
    }

    #[test]
    fn a_lone_small_cell_with_no_partner_takes_the_total_with_it() {
        let (cells, total) = suppress_partition(&[2, 0, 0], 5);
        assert_eq!(total.value(), None);
        assert_eq!(cells[0].value(), None);
    }

    #[test]
    fn no_withheld_cell_is_ever_derivable_from_the_rest() {
        // Every partition of small sizes, exhaustively.
        let threshold = 5;
        for a in 0..12u64 {
            for b in 0..12u64 {
                for c in 0..12u64 {
                    for d in [0u64, 1, 4, 5, 30] {
                        let counts = [a, b, c, d];
                        let (cells, total) = suppress_partition(&counts, threshold);
                        assert!(!derivable(&cells, total), "{counts:?} → {cells:?} / {total:?}");
                        for (cell, count) in cells.iter().zip(counts) {
                            if let Some(v) = cell.value() {
                                assert_eq!(v, count);
                                assert!(!is_small(v, threshold), "{counts:?}: small {v} published");
                            }
                        }
                        if let Some(t) = total.value() {
                            assert!(!is_small(t, threshold));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn shares_hide_small_parts_and_small_remainders() {
        assert_eq!(share(50, 100, 5), Some(0.5));
        assert_eq!(share(3, 100, 5), None);
        assert_eq!(share(97, 100, 5), None, "the 3 who are not in the part are a small count");
        assert_eq!(share(100, 100, 5), Some(1.0));
        assert_eq!(share(0, 0, 5), None);
    }

    #[test]
    fn quantiles_need_enough_values() {
        let mut few = vec![1.0, 2.0, 3.0];
        assert_eq!(quantile(&mut few, 0.5, 5), None);
        let mut values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile(&mut values, 0.5, 5), Some(5.0));
        assert_eq!(quantile(&mut values, 0.9, 5), Some(9.0));
    }
}
