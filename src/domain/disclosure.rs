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

    pub fn withheld() -> Self {
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
/// Rounded to whole percent, so it cannot be multiplied back into an exact count.
pub fn share(part: u64, whole: u64, threshold: u64) -> Option<f64> {
    if whole == 0 || is_small(part, threshold) || is_small(whole - part.min(whole), threshold) {
        return None;
    }
    Some((part as f64 * 100.0 / whole as f64).round() / 100.0)
}

/// Rounds a published count to the nearest multiple of `base` (halves up),
/// never down to zero: zero means "no case" and must stay true. Subtracting
/// two rounded counts then always gives a multiple of `base`, never the
/// exact small number of cases that separate two tables (the differencing
/// attack). `base` 1 leaves counts exact.
pub fn rounded(count: u64, base: u64) -> u64 {
    if count == 0 || base <= 1 {
        return count;
    }
    (count.saturating_add(base / 2) / base * base).max(base)
}

impl Cell {
    /// The same cell with its count rounded (a withheld cell stays withheld).
    pub fn rounded(self, base: u64) -> Self {
        match self {
            Self::Count(n) => Self::Count(rounded(n, base)),
            withheld => withheld,
        }
    }
}

/// Splits an open dimension (names of employers, places, industries) into
/// the values that may be named, at least `threshold` cases each, and the
/// number of cases under all the others, which are folded into one
/// "other (withheld)" row: a name on a small row would itself say that
/// someone there complained, whatever is written as its count.
pub fn fold_small<T>(rows: Vec<(T, u64)>, threshold: u64) -> (Vec<(T, u64)>, u64) {
    let (named, small): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(_, count)| !is_small(*count, threshold));
    (named, small.iter().map(|(_, count)| count).sum())
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
    fn shares_are_rounded_to_whole_percent() {
        assert_eq!(share(7, 12, 5), Some(0.58));
    }

    #[test]
    fn rounding_keeps_zero_and_never_reveals_a_small_difference() {
        assert_eq!(rounded(0, 5), 0);
        assert_eq!(rounded(2, 5), 5, "a non-zero count never reads as zero");
        assert_eq!(rounded(7, 5), 5);
        assert_eq!(rounded(8, 5), 10);
        assert_eq!(rounded(12, 5), 10);
        assert_eq!(rounded(13, 1), 13);
        // The differencing attack: two tables whose cases differ by 1 to 4.
        for a in 0..500u64 {
            for d in 1..5u64 {
                let difference = rounded(a + d, 5) - rounded(a, 5);
                assert_eq!(difference % 5, 0, "{a}+{d}");
                assert_ne!(difference, d, "{a}+{d}: the exact difference came through");
            }
        }
    }

    #[test]
    fn small_names_are_folded_and_the_rest_kept_in_order() {
        let (named, other) = fold_small(vec![("a", 7), ("b", 1), ("c", 5), ("d", 4)], 5);
        assert_eq!(named, vec![("a", 7), ("c", 5)]);
        assert_eq!(other, 5);
        let (named, other) = fold_small(vec![("a", 0)], 5);
        assert_eq!((named.len(), other), (1, 0), "zero names nobody");
    }
}
