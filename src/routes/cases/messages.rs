//! `/cases/{id}/messages` and evidence files.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::LanguageTag;
use crate::domain::case::Visibility;
use crate::domain::lifecycle::CaseRole;
use crate::error::ApiError;
use crate::routes::common::{paged, valid_language};
use crate::routes::extract::ApiJson;
use crate::routes::support::{with_conn, with_reader};
use crate::routes::{AuthUser, Caller};
use crate::service::cases::messages::{self, EvidenceInfo, Message, NewMessage, RemedyUpload, Upload};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_messages)
        .service(post_message)
        .service(upload_evidence)
        .service(upload_remedy_evidence)
        .service(download_evidence);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    #[validate(length(min = 1, max = 10000))]
    pub body: String,
    /// `parties` (everyone on the case), `worker_side` (not the employer side) or `internal` (handlers and mediator).
    pub visibility: Visibility,
    /// BCP 47 tag of the text.
    #[validate(custom(function = "valid_language"))]
    pub language: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: Uuid,
    pub file_name: String,
    /// Recognised from the file's content.
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl From<EvidenceInfo> for EvidenceDto {
    fn from(e: EvidenceInfo) -> Self {
        Self {
            id: e.id.as_uuid(),
            file_name: e.file_name,
            content_type: e.content_type,
            size_bytes: e.size_bytes,
            sha256: e.sha256,
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDto {
    pub id: Uuid,
    pub author_role: CaseRole,
    /// Whether the caller wrote it.
    pub mine: bool,
    pub visibility: Visibility,
    pub body: String,
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
    pub evidence: Vec<EvidenceDto>,
}

impl From<Message> for MessageDto {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.as_uuid(),
            author_role: m.author_role,
            mine: m.mine,
            visibility: m.visibility,
            body: m.body,
            language: m.language.map(|l| l.to_string()),
            created_at: m.created_at,
            evidence: m.evidence.into_iter().map(Into::into).collect(),
        }
    }
}

paged!(MessagePage, MessageDto);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessageListQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    pub limit: Option<u32>,
}

/// List a case's messages
///
/// The messages the caller may read, oldest first, each with its evidence
/// files, in keyset pages (pass `next_cursor` back as `cursor`).
#[utoipa::path(
    tag = "messages",
    operation_id = "messages_list",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), MessageListQuery),
    responses(
        (status = 200, description = "A page of messages", body = MessagePage),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
    )
)]
#[get("/cases/{id}/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    query: web::Query<MessageListQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.actor();
    let id = id.into_inner().into();
    let query = query.into_inner();
    let sealer = state.sealer.clone();
    let page = with_reader(&state, move |conn| {
        messages::list(conn, &sealer, &actor, id, query.cursor.map(Into::into), query.limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MessagePage::from(page)))
}

/// Write a message on a case
///
/// Everyone on the case may write; `visibility` says who reads it. The
/// employer side may write only to `parties`. Attach evidence afterwards to
/// the message you wrote.
#[utoipa::path(
    tag = "messages",
    operation_id = "messages_create",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = MessageRequest,
    responses(
        (status = 201, description = "Posted", body = MessageDto),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 422, description = "An empty or overlong body, a bad language tag, or a visibility not open to you (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/messages")]
pub async fn post_message(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<MessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let Caller { actor, now } = caller;
    let id = id.into_inner().into();
    let body = body.0;
    let message = NewMessage {
        body: body.body,
        visibility: body.visibility,
        language: body.language.as_deref().map(LanguageTag::parse).transpose().unwrap_or(None),
    };
    let sealer = state.sealer.clone();
    let posted = with_conn(&state, move |conn| messages::post(conn, &sealer, &actor, id, message, now)).await?;
    Ok(HttpResponse::Created().json(MessageDto::from(posted)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as the worker knows it, for example `payslip-october.jpg`.
    pub file_name: String,
}

/// Upload evidence
///
/// Attaches a file to a message you wrote. Send the file's bytes as the
/// body (any `Content-Type`; `application/octet-stream` will do): its type is
/// recognised from its content, and only photos, PDF, audio and video are
/// kept. At most `storage.evidence_max_bytes` (10 MiB by default).
#[utoipa::path(
    tag = "messages",
    operation_id = "evidence_upload",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("message_id" = Uuid, Path, description = "A message the caller wrote"),
        UploadQuery,
    ),
    request_body(
        description = "The file's bytes, as they are",
        content((crate::routes::common::FileBytes = "application/octet-stream")),
    ),
    responses(
        (status = 201, description = "Stored; its recognised type and SHA-256 are in the answer", body = EvidenceDto),
        (status = 403, description = "Not your message (`forbidden`)"),
        (status = 404, description = "No such case or message, or not visible to the caller (`not_found`)"),
        (status = 413, description = "Larger than `storage.evidence_max_bytes` (`payload_too_large`)"),
        (status = 415, description = "Not a photo, PDF, audio or video file (`unsupported_evidence_type`)"),
        (status = 422, description = "No file name (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/messages/{message_id}/evidence")]
pub async fn upload_evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<UploadQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let bytes = read_upload(&req, &state, &mut payload).await?;
    let file_name = sanitise_file_name(&query.file_name)?;
    let (id, message_id) = path.into_inner();
    let Caller { actor, now } = caller;
    let data_dir = state.settings.storage.data_dir.clone();
    let sealer = state.sealer.clone();
    let info = with_conn(&state, move |conn| {
        let upload = Upload {
            message: message_id.into(),
            file_name: &file_name,
            bytes: &bytes,
            data_dir: &data_dir,
            sealer: &sealer,
        };
        messages::attach(conn, &actor, id.into(), upload, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(EvidenceDto::from(info)))
}

/// The body of an upload, refused as soon as it passes `storage.evidence_max_bytes`.
async fn read_upload(
    req: &HttpRequest,
    state: &AppState,
    payload: &mut web::Payload,
) -> Result<web::BytesMut, ApiError> {
    let limit = state.settings.storage.evidence_max_bytes;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::UploadInterrupted)?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Upload evidence of a remedy's delivery
///
/// Staff of the organisation responsible for a remedy attach a file showing
/// its delivery (a signed receipt, a photo of the returned passport, a bank
/// transfer slip) while the remedy is owed or delivered, before or after
/// marking it delivered. Everyone who sees the remedy sees the file, in the
/// remedy's `evidence`. Send the file's bytes as the body: as for message
/// evidence, its type is recognised from its content, and only photos, PDF,
/// audio and video are kept, at most `storage.evidence_max_bytes`.
#[utoipa::path(
    tag = "cases",
    operation_id = "remedy_evidence_upload",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("remedy_id" = Uuid, Path, description = "A remedy of the case that the caller's organisation is responsible for"),
        UploadQuery,
    ),
    request_body(
        description = "The file's bytes, as they are",
        content((crate::routes::common::FileBytes = "application/octet-stream")),
    ),
    responses(
        (status = 201, description = "Stored; its recognised type and SHA-256 are in the answer", body = EvidenceDto),
        (status = 403, description = "Not a remedy your organisation is responsible for (`forbidden`)"),
        (status = 404, description = "No such case or remedy, or not visible to the caller (`not_found`)"),
        (status = 409, description = "The remedy is not owed or delivered, for example still proposed or already verified (`remedy_not_owed`)"),
        (status = 413, description = "Larger than `storage.evidence_max_bytes` (`payload_too_large`)"),
        (status = 415, description = "Not a photo, PDF, audio or video file (`unsupported_evidence_type`)"),
        (status = 422, description = "No file name (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/remedies/{remedy_id}/evidence")]
pub async fn upload_remedy_evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<UploadQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let bytes = read_upload(&req, &state, &mut payload).await?;
    let file_name = sanitise_file_name(&query.file_name)?;
    let (id, remedy) = path.into_inner();
    let Caller { actor, now } = caller;
    let data_dir = state.settings.storage.data_dir.clone();
    let sealer = state.sealer.clone();
    let info = with_conn(&state, move |conn| {
        let upload = RemedyUpload {
            remedy: remedy.into(),
            file_name: &file_name,
            bytes: &bytes,
            data_dir: &data_dir,
            sealer: &sealer,
        };
        messages::attach_to_remedy(conn, &actor, id.into(), upload, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(EvidenceDto::from(info)))
}

/// Keeps only the last path segment, printable and short.
fn sanitise_file_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let name: String = name.chars().filter(|c| !c.is_control() && *c != '"').take(200).collect();
    if name.is_empty() || name == "." || name == ".." {
        return Err(ApiError::validation("file_name", "required", "give the file's name"));
    }
    Ok(name)
}

/// Download evidence
///
/// The file's bytes, served with the media type recognised at upload (for
/// example `image/jpeg` or `application/pdf`) as an attachment, if you may
/// read the message that carries it.
#[utoipa::path(
    tag = "messages",
    operation_id = "evidence_download",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("evidence_id" = Uuid, Path, description = "Evidence id")),
    responses(
        (status = 200, description = "The file, with the media type recognised at upload", content(
            (crate::routes::common::FileBytes = "application/octet-stream"),
        ), headers(
            ("ETag" = String, description = "The file's SHA-256, quoted"),
            ("Content-Disposition" = String, description = "`attachment; filename=\"…\"`"),
        )),
        (status = 404, description = "No such case or file, or not visible to the caller (`not_found`)"),
    )
)]
#[get("/cases/{id}/evidence/{evidence_id}")]
pub async fn download_evidence(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, evidence_id) = path.into_inner();
    let actor = auth.actor();
    let data_dir = state.settings.storage.data_dir.clone();
    let sealer = state.sealer.clone();
    let (info, bytes) = with_reader(&state, move |conn| {
        messages::open(conn, &actor, id.into(), evidence_id.into(), &data_dir, &sealer)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(info.content_type.as_str())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                info.file_name.replace(|c: char| !c.is_ascii_graphic() && c != ' ', "_")
            ),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::ETAG, format!("\"{}\"", info.sha256)))
        .body(bytes))
}
