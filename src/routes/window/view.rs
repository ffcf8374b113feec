//! A case as a page shows it: the API's projection (`CaseResponse`, built
//! from the same `CaseView`) put into plain words, and the forms of the
//! actions the reader may take, generated from the published lifecycle.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::case::{ExternalBody, Visibility};
use crate::domain::labels;
use crate::domain::lifecycle::{self, Action, CaseRole, CaseState};
use crate::domain::notification::Happening;
use crate::domain::remedy::RemedyType;
use crate::notify::templates::what;
use crate::routes::cases::dto::CaseResponse;
use crate::routes::cases::messages::MessageDto;

#[derive(Debug, Serialize)]
pub struct CasePage {
    pub id: String,
    pub reference: String,
    pub version: i32,
    pub your_role: &'static str,
    pub state_label: &'static str,
    pub due_date: Option<String>,
    pub overdue: bool,
    /// Who must act in the current stage, by the stage's clock.
    pub next_roles: Vec<String>,
    pub timeline: Vec<TimelineEntry>,
    pub messages: Vec<MessageEntry>,
    pub remedies: Vec<RemedyEntry>,
    pub actions: Vec<ActionForm>,
    /// Whether the employer may see the worker's identity; only for the worker's side.
    pub consent: Option<bool>,
    pub visibilities: Vec<Choice>,
    pub rating: Option<i32>,
    /// Where this page's forms post, under the window's prefix.
    pub form_path: String,
}

#[derive(Debug, Serialize)]
pub struct TimelineEntry {
    pub date: String,
    pub who: String,
    pub what: String,
}

#[derive(Debug, Serialize)]
pub struct MessageEntry {
    pub who: String,
    pub mine: bool,
    pub date: String,
    pub body: String,
    pub audience: String,
    pub files: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct RemedyEntry {
    pub kind: &'static str,
    pub description: String,
    pub status: String,
    pub due_date: Option<String>,
    pub money: Option<String>,
    pub delivery_note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// One field of an action's form.
#[derive(Debug, Serialize)]
pub struct Field {
    pub name: &'static str,
    /// `textarea`, `select`, `number`, `text` or `date`.
    pub kind: &'static str,
    pub label: String,
    pub required: bool,
    pub options: Vec<Choice>,
}

/// The form of one lifecycle action.
#[derive(Debug, Serialize)]
pub struct ActionForm {
    pub action: &'static str,
    pub label: &'static str,
    pub fields: Vec<Field>,
}

/// Phrases the view needs, looked up by the caller (the page's language).
pub trait Words {
    fn phrase(&self, key: &str) -> String;
}

fn day(at: DateTime<Utc>) -> String {
    lifecycle::japan_date(at).to_string()
}

fn role_name(words: &impl Words, role: CaseRole) -> String {
    words.phrase(&format!("role_{}", role.as_str()))
}

pub fn case_page(
    case: CaseResponse,
    messages: Vec<MessageDto>,
    lang: &str,
    words: &impl Words,
    form_path: String,
) -> CasePage {
    let state = case.state;
    let next_roles = lifecycle::clock(state)
        .map(|clock| clock.must_act.iter().map(|role| role_name(words, *role)).collect())
        .unwrap_or_default();
    let worker_side = matches!(case.your_role, CaseRole::Worker | CaseRole::Advocate);
    let remedy_choices: Vec<Choice> = case
        .remedies
        .iter()
        .filter(|r| r.status.is_owed())
        .map(|r| Choice {
            value: r.id.to_string(),
            label: format!("{}: {}", labels::label("remedy_type", r.remedy_type.as_str(), lang), r.description),
        })
        .collect();
    let parties: Vec<Choice> = case
        .parties
        .iter()
        .map(|p| Choice {
            value: p.organisation_id.to_string(),
            label: words.phrase(&format!("role_{}", p.party_role.as_str())),
        })
        .collect();
    let actions = case
        .allowed_actions
        .iter()
        .map(|action| action_form(*action, state, lang, words, &remedy_choices, &parties))
        .collect();
    // The worker's side first: a message reaches the employer only when chosen.
    let visibilities = [Visibility::WorkerSide, Visibility::Parties, Visibility::Internal]
        .iter()
        .filter(|v| crate::auth::policy::may_post(case.your_role, **v))
        .map(|v| Choice { value: v.as_str().to_owned(), label: words.phrase(&format!("visibility_{}", v.as_str())) })
        .collect::<Vec<_>>();
    CasePage {
        id: case.id.to_string(),
        reference: case.reference,
        version: case.version,
        your_role: case.your_role.as_str(),
        state_label: labels::label("state", state.as_str(), lang),
        due_date: case.stage_due_at.map(day),
        overdue: case.overdue,
        next_roles,
        timeline: case
            .timeline
            .iter()
            .map(|event| TimelineEntry {
                date: day(event.occurred_at),
                who: role_name(words, event.actor_role),
                what: event_text(event.action, event.to_state, event.kind.as_str(), lang, words),
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| MessageEntry {
                who: if m.mine { words.phrase("from_you") } else { role_name(words, m.author_role) },
                mine: m.mine,
                date: day(m.created_at),
                body: m.body,
                audience: words.phrase(&format!("visibility_{}", m.visibility.as_str())),
                files: m.evidence.into_iter().map(|e| e.file_name).collect(),
            })
            .collect(),
        remedies: case
            .remedies
            .iter()
            .map(|r| RemedyEntry {
                kind: labels::label("remedy_type", r.remedy_type.as_str(), lang),
                description: r.description.clone(),
                status: words.phrase(&format!("remedy_status_{}", r.status.as_str())),
                due_date: r.due_date.map(|d| d.to_string()),
                money: r.money.as_ref().map(|m| format!("{} {}", m.amount, m.currency)),
                delivery_note: r.delivery_note.clone(),
            })
            .collect(),
        actions,
        consent: worker_side.then_some(case.identity_disclosure_consent),
        visibilities,
        rating: case.satisfaction_rating,
        form_path,
    }
}

/// What an event says: the action's name, or what happened.
fn event_text(
    action: Option<Action>,
    to_state: Option<CaseState>,
    kind: &str,
    lang: &str,
    words: &impl Words,
) -> String {
    if let Some(action) = action {
        let done = labels::label("action", action.as_str(), lang);
        return match to_state {
            Some(state) => format!("{done} → {}", labels::label("state", state.as_str(), lang)),
            None => done.to_owned(),
        };
    }
    let phrase_key = format!("event_{kind}");
    let phrase = words.phrase(&phrase_key);
    if phrase != phrase_key {
        return phrase;
    }
    match kind.parse::<Happening>() {
        Ok(happening) => what(happening, lang),
        Err(_) => kind.replace('_', " "),
    }
}

/// The form of `action` in `state`: what the published lifecycle and the
/// action's command need, nothing written per action elsewhere.
fn action_form(
    action: Action,
    state: CaseState,
    lang: &str,
    words: &impl Words,
    owed_remedies: &[Choice],
    parties: &[Choice],
) -> ActionForm {
    let reason_required = lifecycle::transitions(action).iter().any(|edge| edge.from == state && edge.reason_required);
    let text = |name, label: &str, required| Field {
        name,
        kind: "textarea",
        label: words.phrase(label),
        required,
        options: vec![],
    };
    let select = |name, label: String, options| Field { name, kind: "select", label, required: true, options };
    let mut fields = Vec::new();
    match action {
        Action::ConfirmRemedy => {
            let ratings = (1..=5).rev().map(|n| Choice { value: n.to_string(), label: n.to_string() }).collect();
            fields.push(select("rating", words.phrase("rating_label"), ratings));
            fields.push(text("comment", "comment_label", false));
        }
        Action::MarkRemedyDelivered => {
            fields.push(select("remedy_id", words.phrase("remedies_title"), owed_remedies.iter().map(copy).collect()));
            fields.push(text("reason", "delivery_note", true));
        }
        Action::ReferExternal => {
            let bodies = ExternalBody::ALL
                .iter()
                .map(|b| Choice {
                    value: b.as_str().to_owned(),
                    label: labels::label("external_body", b.as_str(), lang).to_owned(),
                })
                .collect();
            fields.push(select("external_body", labels::label("action", action.as_str(), lang).to_owned(), bodies));
            fields.push(text("reason", "reason_label", true));
        }
        Action::ProposeRemedy => {
            let types = RemedyType::ALL
                .iter()
                .map(|t| Choice {
                    value: t.as_str().to_owned(),
                    label: labels::label("remedy_type", t.as_str(), lang).to_owned(),
                })
                .collect();
            fields.push(select("remedy_type", words.phrase("remedies_title"), types));
            fields.push(Field { name: "description", ..text("description", "remedies_title", true) });
            fields.push(select(
                "responsible_organisation_id",
                words.phrase("role_employer"),
                parties.iter().map(copy).collect(),
            ));
            fields.push(Field {
                name: "amount",
                kind: "number",
                label: "¥".to_owned(),
                required: false,
                options: vec![],
            });
            fields.push(Field {
                name: "due_date",
                kind: "date",
                label: words.phrase("remedy_due"),
                required: false,
                options: vec![],
            });
        }
        _ => fields.push(text("reason", "reason_label", reason_required)),
    }
    ActionForm { action: action.as_str(), label: labels::label("action", action.as_str(), lang), fields }
}

fn copy(choice: &Choice) -> Choice {
    Choice { value: choice.value.clone(), label: choice.label.clone() }
}
