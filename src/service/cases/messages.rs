//! The conversation on a case: messages with a visibility, and evidence
//! files attached to them (stored by SHA-256 under the data folder).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{load_for, record_event, record_event_telling};
use crate::auth::policy::{self, Actor};
use crate::db::{self, DbConnection, messages::EvidenceRow, messages::MessageRow};
use crate::domain::case::Visibility;
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::lifecycle::CaseRole;
use crate::domain::notification::Happening;
use crate::domain::remedy::RemedyStatus;
use crate::domain::{CaseId, EvidenceId, LanguageTag, MessageId, RemedyId};
use crate::seal::Sealer;
use crate::service::notifications::News;
use crate::service::{Conflict, Error};
use crate::service::{Page, fetch_page};

#[derive(Debug, Clone)]
pub struct EvidenceInfo {
    pub id: EvidenceId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: MessageId,
    pub author_role: CaseRole,
    /// Whether the caller wrote it.
    pub mine: bool,
    pub visibility: Visibility,
    pub body: String,
    pub language: Option<LanguageTag>,
    pub created_at: DateTime<Utc>,
    pub evidence: Vec<EvidenceInfo>,
}

pub struct NewMessage {
    pub body: String,
    pub visibility: Visibility,
    pub language: Option<LanguageTag>,
}

#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn post(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    message: NewMessage,
    now: DateTime<Utc>,
) -> Result<Message, Error> {
    db::write_transaction(conn, |conn| {
        let loaded = load_for(conn, actor, id)?;
        if !policy::may_post(loaded.role, message.visibility) {
            return Err(Error::validation(
                "visibility",
                "not_allowed",
                "you may not write where you could not read (respondents write to `parties`)",
            ));
        }
        let message_id = MessageId::new();
        let row = MessageRow {
            id: message_id,
            case_id: id,
            author_user_id: actor.user_id(),
            author_role: loaded.role,
            visibility: message.visibility,
            body: sealer.seal(db::messages::body_place(&message_id.to_string()), &message.body)?,
            language: message.language,
            created_at: db::timestamp(now),
        };
        db::messages::insert(conn, &row)?;
        let happening = Happening::of_message(message.visibility);
        let news = News::new(happening, &loaded.case, &loaded.access.parties, loaded.role);
        record_event_telling(
            conn,
            id,
            actor,
            loaded.role,
            &NewEvent::note(EventKind::MessagePosted, message.visibility, json!({"message_id": row.id})),
            Some(&news),
            now,
        )?;
        to_message(row, actor, Vec::new(), sealer)
    })
}

pub fn list(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    after: Option<MessageId>,
    limit: Option<u32>,
) -> Result<Page<Message>, Error> {
    let loaded = load_for(conn, actor, id)?;
    let visibilities: Vec<Visibility> =
        Visibility::ALL.iter().copied().filter(|v| policy::sees(loaded.role, *v)).collect();
    let (rows, has_more) = fetch_page(limit, |limit| db::messages::for_case(conn, id, &visibilities, after, limit))?;
    let ids: Vec<MessageId> = rows.iter().map(|r| r.id).collect();
    let mut evidence = db::messages::evidence_of_messages(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|row| {
            let (own, rest): (Vec<_>, Vec<_>) = evidence.drain(..).partition(|e| e.message_id == Some(row.id));
            evidence = rest;
            to_message(row, actor, own, sealer)
        })
        .collect::<Result<_, _>>()?;
    Ok(Page::new(items, has_more, |m| m.id.to_string()))
}

fn to_message(row: MessageRow, actor: &Actor, evidence: Vec<EvidenceRow>, sealer: &Sealer) -> Result<Message, Error> {
    let mine = match actor {
        Actor::User { id, .. } => row.author_user_id == Some(*id),
        Actor::CaseSession { .. } => row.author_user_id.is_none() && row.author_role == CaseRole::Worker,
        Actor::System => false,
    };
    Ok(Message {
        id: row.id,
        author_role: row.author_role,
        mine,
        visibility: row.visibility,
        body: sealer.open(db::messages::body_place(&row.id.to_string()), &row.body)?,
        language: row.language,
        created_at: row.created_at.and_utc(),
        evidence: evidence.into_iter().map(|row| to_evidence(row, sealer)).collect::<Result<_, _>>()?,
    })
}

pub(crate) fn to_evidence(row: EvidenceRow, sealer: &Sealer) -> Result<EvidenceInfo, Error> {
    let file_name = sealer.open(db::messages::file_name_place(&row.id.to_string()), &row.file_name)?;
    Ok(EvidenceInfo {
        id: row.id,
        file_name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        created_at: row.created_at.and_utc(),
    })
}

/// File types accepted as evidence, recognised by their content (not their
/// name or the client's word): photos of payslips and contracts, scans,
/// voice notes and short videos.
const ACCEPTED_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heif",
    "image/avif",
    "application/pdf",
    "audio/mpeg",
    "audio/m4a",
    "audio/ogg",
    "audio/x-wav",
    "audio/aac",
    "video/mp4",
    "video/quicktime",
];

pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    let kind = infer::get(bytes)?;
    ACCEPTED_TYPES.iter().copied().find(|accepted| *accepted == kind.mime_type())
}

/// Where a file stored before sealing lives: named by its plaintext hash
/// (which told anyone with a list of the folder which known files it holds).
pub fn legacy_evidence_path(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("evidence").join(sha256.get(..2).unwrap_or("00")).join(sha256)
}

/// Where an evidence file lives, sealed, one file per evidence row (so it
/// is bound to its row and can be erased with it).
pub fn evidence_path(data_dir: &Path, id: EvidenceId) -> PathBuf {
    let name = id.to_string();
    let folder = name.get(name.len().saturating_sub(2)..).unwrap_or("00");
    data_dir.join("evidence").join(folder).join(name)
}

pub fn evidence_place(id: &str) -> crate::seal::Place<'_> {
    crate::seal::Place { table: "evidence", column: "file", row: id }
}

/// A file to attach to a message.
pub struct Upload<'a> {
    pub message: MessageId,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub data_dir: &'a Path,
    pub sealer: &'a Sealer,
}

/// Attaches a file to a message the caller wrote. The file is written
/// (sealed, under the evidence row's id) before the row that points to it
/// is committed.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn attach(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    upload: Upload<'_>,
    now: DateTime<Utc>,
) -> Result<EvidenceInfo, Error> {
    let Upload { message, file_name, bytes, data_dir, sealer } = upload;
    let content_type = sniff_content_type(bytes).ok_or(Error::UnsupportedEvidenceType)?;
    let sha256 = crate::crypto::sha256_hex(bytes);
    db::write_transaction(conn, |conn| {
        let loaded = load_for(conn, actor, id)?;
        let row = db::messages::find(conn, id, message)?.ok_or(Error::NotFound)?;
        let visibility = row.visibility;
        if !policy::sees(loaded.role, visibility) {
            return Err(Error::NotFound);
        }
        if !policy::may_attach_evidence(actor, loaded.role, row.author_role, row.author_user_id) {
            return Err(Error::Forbidden);
        }
        let file = StoredFile { file_name, bytes, data_dir, sealer, content_type, sha256: &sha256 };
        store_evidence(conn, actor, (id, loaded.role), AttachedTo::Message(row.id), visibility, file, now)
    })
}

/// A file to attach to a remedy's delivery.
pub struct RemedyUpload<'a> {
    pub remedy: RemedyId,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub data_dir: &'a Path,
    pub sealer: &'a Sealer,
}

/// Attaches a file (a signed receipt, a photo of the returned passport, a
/// bank transfer slip) to the delivery of a remedy owed or delivered by the
/// caller's organisation. Everyone who sees the remedy sees the file: it is
/// stored as message evidence is, with the same content checks.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn attach_to_remedy(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    upload: RemedyUpload<'_>,
    now: DateTime<Utc>,
) -> Result<EvidenceInfo, Error> {
    let RemedyUpload { remedy, file_name, bytes, data_dir, sealer } = upload;
    let content_type = sniff_content_type(bytes).ok_or(Error::UnsupportedEvidenceType)?;
    let sha256 = crate::crypto::sha256_hex(bytes);
    db::write_transaction(conn, |conn| {
        let loaded = load_for(conn, actor, id)?;
        let row = db::remedies::for_case(conn, id)?.into_iter().find(|r| r.id == remedy).ok_or(Error::NotFound)?;
        if !policy::may_attach_remedy_evidence(actor, loaded.role, row.responsible_organisation_id) {
            return Err(Error::Forbidden);
        }
        if !(row.status.is_owed() || row.status == RemedyStatus::Delivered) {
            return Err(Error::Conflict(Conflict::RemedyNotOwed(row.status)));
        }
        // Whoever may see the remedy sees how it was delivered.
        let file = StoredFile { file_name, bytes, data_dir, sealer, content_type, sha256: &sha256 };
        store_evidence(conn, actor, (id, loaded.role), AttachedTo::Remedy(remedy), Visibility::Parties, file, now)
    })
}

/// What a piece of evidence is attached to.
#[derive(Debug, Clone, Copy)]
enum AttachedTo {
    Message(MessageId),
    Remedy(RemedyId),
}

/// An uploaded file, checked and hashed.
struct StoredFile<'a> {
    file_name: &'a str,
    bytes: &'a [u8],
    data_dir: &'a Path,
    sealer: &'a Sealer,
    content_type: &'static str,
    sha256: &'a str,
}

/// Writes the file, then the row that points to it and the audit event, in
/// the caller's transaction (a file without a committed row is harmless).
fn store_evidence(
    conn: &mut DbConnection,
    actor: &Actor,
    (id, role): (CaseId, CaseRole),
    attached: AttachedTo,
    visibility: Visibility,
    file: StoredFile<'_>,
    now: DateTime<Utc>,
) -> Result<EvidenceInfo, Error> {
    let StoredFile { file_name, bytes, data_dir, sealer, content_type, sha256 } = file;
    let evidence_id = EvidenceId::new();
    let sealed = sealer.seal_file(evidence_place(&evidence_id.to_string()), bytes)?;
    write_file(&evidence_path(data_dir, evidence_id), &sealed).map_err(Error::internal)?;
    let (message_id, remedy_id) = match attached {
        AttachedTo::Message(message) => (Some(message), None),
        AttachedTo::Remedy(remedy) => (None, Some(remedy)),
    };
    let evidence = EvidenceRow {
        id: evidence_id,
        case_id: id,
        message_id,
        remedy_id,
        uploaded_by_user_id: actor.user_id(),
        uploader_role: role,
        visibility,
        file_name: sealer.seal(db::messages::file_name_place(&evidence_id.to_string()), file_name)?,
        content_type: content_type.to_owned(),
        size_bytes: i64::try_from(bytes.len()).map_err(Error::internal)?,
        sha256: sha256.to_owned(),
        created_at: db::timestamp(now),
    };
    db::messages::insert_evidence(conn, &evidence)?;
    let mut details = json!({"evidence_id": evidence.id, "sha256": sha256, "content_type": content_type});
    match attached {
        AttachedTo::Message(message) => details["message_id"] = json!(message),
        AttachedTo::Remedy(remedy) => details["remedy_id"] = json!(remedy),
    }
    let attached_event = NewEvent::note(EventKind::EvidenceAttached, visibility, details);
    record_event(conn, id, actor, role, &attached_event, now)?;
    to_evidence(evidence, sealer)
}

/// Writes aside, then renames: a reader never sees half a file, and a
/// rewrite under a new key replaces the old one whole.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().ok_or_else(|| std::io::Error::other("an evidence path has a folder"))?;
    std::fs::create_dir_all(folder)?;
    let partial = folder.join(format!(".{}.partial", uuid::Uuid::new_v4().simple()));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path)
}

/// The plaintext of an evidence file: sealed under its id, or, for a file
/// stored before sealing that `rotate-key` has not reached yet, as it is.
pub fn read_evidence_file(data_dir: &Path, sealer: &Sealer, row: &EvidenceRow) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    let sealed_path = evidence_path(data_dir, row.id);
    match std::fs::read(&sealed_path) {
        Ok(stored) => Ok(sealer.open_file(evidence_place(&row.id.to_string()), &stored)?),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::read(legacy_evidence_path(data_dir, &row.sha256)).context("evidence file missing")
        }
        Err(error) => Err(anyhow::Error::new(error).context("evidence file unreadable")),
    }
}

/// An evidence file, if the caller may see the message that carries it.
pub fn open(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    evidence: EvidenceId,
    data_dir: &Path,
    sealer: &Sealer,
) -> Result<(EvidenceInfo, Vec<u8>), Error> {
    let loaded = load_for(conn, actor, id)?;
    let row = db::messages::find_evidence(conn, id, evidence)?.ok_or(Error::NotFound)?;
    if !policy::sees(loaded.role, row.visibility) {
        return Err(Error::NotFound);
    }
    let bytes = read_evidence_file(data_dir, sealer, &row)?;
    Ok((to_evidence(row, sealer)?, bytes))
}
