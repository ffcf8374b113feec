//! Demo data for newcomers (`madoguchi admin seed-demo`): organisations, a
//! user for every role, and a case in every lifecycle state, all made through
//! the same services the API uses, each step by the actor who may take it.
//!
//! It only fills an empty database, so demo accounts never mix with real ones.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::cases::act::{self, ActionInput};
use super::cases::commands::{self, Classification};
use super::cases::lodge::{self, AdvocateConsent, EmployerInput, NewCaseInput};
use super::cases::read::CaseView;
use super::organisations::{self, NewOrganisationInput};
use super::users::{self, NewUserInput, UserListFilter};
use crate::auth::policy::{Actor, Lodger};
use crate::auth::receipts::ReceiptKeys;
use crate::db::DbConnection;
use crate::domain::case::{ExternalBody, Identity, LodgedVia, ResidenceStatus};
use crate::domain::catalogue::Category;
use crate::domain::lifecycle::{Action, CaseState};
use crate::domain::remedy::{Money, NewRemedy, RemedyType};
use crate::domain::{CaseId, LanguageTag, OrganisationId, OrganisationKind, RemedyId, Role, UserId};
use crate::error::AppError;

/// What was created: enough for a newcomer to log in and find their way.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub organisations: Vec<DemoOrganisation>,
    pub logins: Vec<DemoLogin>,
    pub cases: Vec<DemoCase>,
}

#[derive(Debug, Clone)]
pub struct DemoOrganisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
}

/// One account: log in with `{"<login_field>": login, "password": password}`.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub user_id: UserId,
    pub role: Role,
    /// `email` or `username`.
    pub login_field: &'static str,
    pub login: String,
    pub password: String,
    pub organisation: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DemoCase {
    pub id: CaseId,
    pub reference: String,
    pub state: CaseState,
    pub lodged_via: LodgedVia,
    pub language: String,
    pub employer: String,
    /// Shown for cases lodged without an account, to try `POST /api/v1/intake/session`.
    pub receipt_code: Option<String>,
}

/// Fills an empty database with demo data; refuses if any organisation or user exists.
#[tracing::instrument(skip_all)]
pub fn seed(conn: &mut DbConnection, receipts: &ReceiptKeys, now: DateTime<Utc>) -> Result<DemoReport, AppError> {
    require_empty(conn)?;
    let setup_at = now - Duration::days(90);
    let mut report = DemoReport { organisations: Vec::new(), logins: Vec::new(), cases: Vec::new() };
    let cast = create_cast(conn, &mut report, setup_at)?;
    for story in STORIES {
        report.cases.push(tell(conn, &cast, story, receipts, now)?);
    }
    Ok(report)
}

fn require_empty(conn: &mut DbConnection) -> Result<(), AppError> {
    let organisations = organisations::list(conn, &Actor::System, None, None, Some(1))?;
    let users = users::list(conn, &Actor::System, UserListFilter::default(), None, Some(1))?;
    if organisations.items.is_empty() && users.items.is_empty() {
        Ok(())
    } else {
        Err(AppError::Conflict {
            code: "database_not_empty",
            detail: "the database already has organisations or users; seed-demo fills only an empty database"
                .to_owned(),
        })
    }
}

/// An employer, its supervising or support organisation, and their staff.
struct Employer {
    id: OrganisationId,
    name: &'static str,
    staff: Actor,
    supervisor: OrganisationId,
    supervisor_staff: Actor,
}

/// Everyone who acts on the demo cases.
struct Cast {
    handler: Actor,
    mediator: Actor,
    mediator_id: UserId,
    advocate: Actor,
    ngo: OrganisationId,
    worker: Actor,
    worker_id: UserId,
    /// Tokai Fresh Foods (technical interns), Musashino Kensetsu (specified skilled workers).
    employers: [Employer; 2],
}

const OPERATOR: &str = "Madoguchi Platform Secretariat";
const TOKAI: &str = "Tokai Fresh Foods Co., Ltd.";
const MUSASHINO: &str = "Musashino Kensetsu K.K.";

fn create_cast(conn: &mut DbConnection, report: &mut DemoReport, at: DateTime<Utc>) -> Result<Cast, AppError> {
    let mut organisation = |conn: &mut DbConnection,
                            name: &str,
                            kind: OrganisationKind,
                            email: &str,
                            supervisor: Option<OrganisationId>|
     -> Result<OrganisationId, AppError> {
        let input = NewOrganisationInput {
            name: name.to_owned(),
            kind,
            contact_email: Some(email.to_owned()),
            supervising_organisation_id: supervisor,
            // All demo organisations are in Japan and read their notifications in Japanese.
            preferred_language: LanguageTag::parse("ja").map_err(AppError::internal)?,
        };
        let created = organisations::create(conn, &Actor::System, input, at)?;
        report.organisations.push(DemoOrganisation { id: created.id, name: created.name, kind: created.kind });
        Ok(created.id)
    };
    use OrganisationKind as K;
    let operator = organisation(conn, OPERATOR, K::Operator, "secretariat@madoguchi.example", None)?;
    let cooperative =
        organisation(conn, "Chubu Food Industry Cooperative", K::SupervisingOrg, "info@chubu-kumiai.example", None)?;
    let support =
        organisation(conn, "Kanto Life Support Co., Ltd.", K::SupportOrg, "info@kanto-support.example", None)?;
    let tokai = organisation(conn, TOKAI, K::Employer, "info@tokai-fresh.example", Some(cooperative))?;
    let musashino = organisation(conn, MUSASHINO, K::Employer, "info@musashino-kensetsu.example", Some(support))?;
    let ngo = organisation(conn, "Kizuna Migrant Support Network", K::Ngo, "help@kizuna-net.example", None)?;
    let adr = organisation(conn, "Tokai Bar Association ADR Centre", K::MediationBody, "adr@tokai-bar.example", None)?;

    let mut account = |conn: &mut DbConnection,
                       role: Role,
                       login: Login,
                       name: &str,
                       organisation: Option<(OrganisationId, &str)>| {
        create_account(conn, report, role, login, name, organisation, at)
    };
    account(conn, Role::Admin, Login::Email("admin@madoguchi.example"), "Demo Admin", Some((operator, OPERATOR)))?;
    let handler = account(
        conn,
        Role::Handler,
        Login::Email("handler@madoguchi.example"),
        "Sato Yui",
        Some((operator, OPERATOR)),
    )?;
    let tokai_staff = account(
        conn,
        Role::EmployerStaff,
        Login::Email("hr@tokai-fresh.example"),
        "Tanaka Hiroshi",
        Some((tokai, TOKAI)),
    )?;
    let musashino_staff = account(
        conn,
        Role::EmployerStaff,
        Login::Email("soumu@musashino-kensetsu.example"),
        "Suzuki Kenji",
        Some((musashino, MUSASHINO)),
    )?;
    let cooperative_staff = account(
        conn,
        Role::SupervisingOrgStaff,
        Login::Email("staff@chubu-kumiai.example"),
        "Ito Mariko",
        Some((cooperative, "Chubu Food Industry Cooperative")),
    )?;
    let support_staff = account(
        conn,
        Role::SupervisingOrgStaff,
        Login::Email("staff@kanto-support.example"),
        "Watanabe Ryo",
        Some((support, "Kanto Life Support Co., Ltd.")),
    )?;
    let mediator = account(
        conn,
        Role::Mediator,
        Login::Email("mediator@tokai-bar.example"),
        "Yamamoto Keiko",
        Some((adr, "Tokai Bar Association ADR Centre")),
    )?;
    let advocate = account(
        conn,
        Role::Advocate,
        Login::Email("advocate@kizuna-net.example"),
        "Pham Minh Duc",
        Some((ngo, "Kizuna Migrant Support Network")),
    )?;
    account(
        conn,
        Role::Analyst,
        Login::Email("analyst@kizuna-net.example"),
        "Kobayashi Aya",
        Some((ngo, "Kizuna Migrant Support Network")),
    )?;
    let worker = account(conn, Role::Worker, Login::Username("lan.nguyen"), "Nguyễn Thị Lan", None)?;

    let actor_id = |actor: &Actor| match actor {
        Actor::User { id, .. } => Ok(*id),
        Actor::System | Actor::CaseSession { .. } => Err(AppError::internal(anyhow::anyhow!("not a user"))),
    };
    Ok(Cast {
        mediator_id: actor_id(&mediator)?,
        worker_id: actor_id(&worker)?,
        handler,
        mediator,
        advocate,
        ngo,
        worker,
        employers: [
            Employer {
                id: tokai,
                name: TOKAI,
                staff: tokai_staff,
                supervisor: cooperative,
                supervisor_staff: cooperative_staff,
            },
            Employer {
                id: musashino,
                name: MUSASHINO,
                staff: musashino_staff,
                supervisor: support,
                supervisor_staff: support_staff,
            },
        ],
    })
}

#[derive(Debug, Clone, Copy)]
enum Login {
    Email(&'static str),
    Username(&'static str),
}

fn create_account(
    conn: &mut DbConnection,
    report: &mut DemoReport,
    role: Role,
    login: Login,
    display_name: &str,
    organisation: Option<(OrganisationId, &str)>,
    at: DateTime<Utc>,
) -> Result<Actor, AppError> {
    let password = new_password()?;
    let (email, username, login_field, login) = match login {
        Login::Email(email) => (Some(email.to_owned()), None, "email", email),
        Login::Username(name) => (None, Some(name.to_owned()), "username", name),
    };
    let language = if role == Role::Worker { "vi" } else { "ja" };
    let input = NewUserInput {
        email,
        username,
        phone: None,
        display_name: Some(display_name.to_owned()),
        password: password.clone(),
        role,
        organisation_id: organisation.map(|(id, _)| id),
        preferred_language: LanguageTag::parse(language).map_err(AppError::internal)?,
    };
    let user = users::create(conn, &Actor::System, input, at)?;
    report.logins.push(DemoLogin {
        user_id: user.id,
        role,
        login_field,
        login: login.to_owned(),
        password,
        organisation: organisation.map(|(_, name)| name.to_owned()),
    });
    Ok(Actor::User { id: user.id, role, organisation_id: user.organisation_id })
}

/// 32 symbols without look-alikes (no l, o, 0, 1), so a byte maps without bias.
const PASSWORD_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// A random password of 16 symbols (80 bits) in groups of four, easy to type.
fn new_password() -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| AppError::internal(anyhow::anyhow!("no randomness: {error}")))?;
    // The modulo keeps every index in range; 256 is a multiple of 32, so there is no bias.
    let symbols: Vec<char> =
        bytes.iter().map(|b| char::from(PASSWORD_ALPHABET[usize::from(*b) % PASSWORD_ALPHABET.len()])).collect();
    Ok(symbols.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

/// Who lodged a demo case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    /// Without an account: the case gets a receipt code.
    Intake,
    /// The demo worker's own account.
    Worker,
    /// The NGO's advocate, with the worker's consent.
    Advocate,
}

#[derive(Debug, Clone, Copy)]
enum Against {
    /// Index into `Cast::employers`.
    Registered(usize),
    /// An employer not registered in Madoguchi.
    Named(&'static str),
}

/// One grievance and how far it has gone.
struct Story {
    target: CaseState,
    by: By,
    against: Against,
    categories: &'static [Category],
    language: &'static str,
    narrative: &'static str,
    prefecture: &'static str,
    industry: &'static str,
    nationality: &'static str,
    residence_status: ResidenceStatus,
    worker_name: Option<&'static str>,
    phone: Option<&'static str>,
    disclose_identity: bool,
    /// When the case was lodged, and the usual time between its steps.
    lodged_hours_ago: i64,
    step_hours: i64,
}

const TOKAI_EMPLOYER: Against = Against::Registered(0);
const MUSASHINO_EMPLOYER: Against = Against::Registered(1);
const DEMO_WORKER_NAME: &str = "Nguyễn Thị Lan";
const DEMO_WORKER_PHONE: &str = "+81 90 0000 0101";

const STORIES: &[Story] = &[
    Story {
        target: CaseState::Submitted,
        by: By::Intake,
        against: TOKAI_EMPLOYER,
        categories: &[Category::PassportIdRetention, Category::RestrictionOfMovement],
        language: "zh",
        narrative: "社长说为了防止我们逃跑，把所有实习生的护照和在留卡都收走了，锁在办公室的保险柜里。\
                    我们周末外出也必须先得到他的同意。我想拿回自己的护照。",
        prefecture: "JP-23",
        industry: "food processing",
        nationality: "CN",
        residence_status: ResidenceStatus::TechnicalIntern,
        worker_name: Some("王丽"),
        phone: Some("+81 80 0000 0202"),
        disclose_identity: false,
        lodged_hours_ago: 5,
        step_hours: 1,
    },
    Story {
        target: CaseState::Acknowledged,
        by: By::Worker,
        against: TOKAI_EMPLOYER,
        categories: &[Category::UnpaidWages, Category::ExcessiveHours],
        language: "vi",
        narrative: "Từ tháng 8 phiếu lương của tôi không ghi giờ làm thêm, dù mùa cao điểm tôi làm đến 10 giờ tối \
                    mỗi ngày. Lương thực nhận thấp hơn mức ghi trong hợp đồng.",
        prefecture: "JP-23",
        industry: "food processing",
        nationality: "VN",
        residence_status: ResidenceStatus::TechnicalIntern,
        worker_name: Some(DEMO_WORKER_NAME),
        phone: Some(DEMO_WORKER_PHONE),
        disclose_identity: false,
        lodged_hours_ago: 3 * 24,
        step_hours: 24,
    },
    Story {
        target: CaseState::Referred,
        by: By::Advocate,
        against: MUSASHINO_EMPLOYER,
        categories: &[Category::Housing],
        language: "ne",
        narrative: "हामी छ जना एउटै सानो कोठामा बस्छौं। जाडोमा हिटर र तातो पानी छैन, तर कम्पनीले हरेक महिना \
                    तलबबाट ४०,००० येन भाडा काट्छ।",
        prefecture: "JP-11",
        industry: "construction",
        nationality: "NP",
        residence_status: ResidenceStatus::SpecifiedSkilledWorker,
        worker_name: Some("Ram Bahadur Gurung"),
        phone: Some("+81 70 0000 0303"),
        disclose_identity: false,
        lodged_hours_ago: 6 * 24,
        step_hours: 24,
    },
    Story {
        target: CaseState::Responded,
        by: By::Intake,
        against: TOKAI_EMPLOYER,
        categories: &[Category::ExcessiveHours],
        language: "id",
        narrative: "Selama musim sibuk kami bekerja 13 jam sehari, enam hari seminggu. Lembur tidak dibayar penuh \
                    dan kami tidak boleh mengambil cuti. Banyak teman yang sakit karena kelelahan.",
        prefecture: "JP-22",
        industry: "food processing",
        nationality: "ID",
        residence_status: ResidenceStatus::TechnicalIntern,
        worker_name: None,
        phone: None,
        disclose_identity: false,
        lodged_hours_ago: 12 * 24,
        step_hours: 48,
    },
    Story {
        target: CaseState::InMediation,
        by: By::Intake,
        against: TOKAI_EMPLOYER,
        categories: &[Category::HarassmentViolence],
        language: "my",
        narrative: "လိုင်းခေါင်းဆောင်က ကျွန်မကို နေ့တိုင်း အော်ဟစ်ဆဲဆိုပြီး တစ်ခါက တွန်းထိုးခဲ့ပါတယ်။ \
                    ကုမ္ပဏီကို ပြောပြပေမယ့် ဘာမှ မလုပ်ပေးပါဘူး။ အလုပ်သွားရမှာ ကြောက်နေပါတယ်။",
        prefecture: "JP-23",
        industry: "food processing",
        nationality: "MM",
        residence_status: ResidenceStatus::TechnicalIntern,
        worker_name: Some("Khin Thida"),
        phone: Some("+81 80 0000 0505"),
        disclose_identity: false,
        lodged_hours_ago: 20 * 24,
        step_hours: 48,
    },
    Story {
        target: CaseState::RemedyProposed,
        by: By::Worker,
        against: TOKAI_EMPLOYER,
        categories: &[Category::UnpaidWages],
        language: "vi",
        narrative: "Từ tháng 4 công ty trừ 30.000 yên mỗi tháng gọi là 'phí quản lý' mà không giải thích. \
                    Trong hợp đồng không có khoản này. Tôi muốn được trả lại số tiền đã bị trừ.",
        prefecture: "JP-23",
        industry: "food processing",
        nationality: "VN",
        residence_status: ResidenceStatus::TechnicalIntern,
        worker_name: Some(DEMO_WORKER_NAME),
        phone: Some(DEMO_WORKER_PHONE),
        disclose_identity: false,
        lodged_hours_ago: 15 * 24,
        step_hours: 48,
    },
    Story {
        target: CaseState::RemedyAgreed,
        by: By::Advocate,
        against: MUSASHINO_EMPLOYER,
        categories: &[Category::RecruitmentFeesDebt],
        language: "en",
        narrative: "Filed by Kizuna Migrant Support Network on the worker's behalf (consent on file). Before \
                    leaving Nepal the worker paid a broker NPR 650,000 in 'placement fees', borrowed at 24% a year. \
                    The broker is a partner of the employer's support organisation. He still sends ¥40,000 a month \
                    from his wages to repay the loan.",
        prefecture: "JP-11",
        industry: "construction",
        nationality: "NP",
        residence_status: ResidenceStatus::SpecifiedSkilledWorker,
        worker_name: Some("Bishnu Prasad Thapa"),
        phone: Some("+81 70 0000 0707"),
        disclose_identity: true,
        lodged_hours_ago: 30 * 24,
        step_hours: 72,
    },
    Story {
        target: CaseState::RemedyDelivered,
        by: By::Intake,
        against: TOKAI_EMPLOYER,
        categories: &[Category::PassportIdRetention],
        language: "vi",
        narrative: "Trưởng nhóm giữ hộ chiếu và thẻ cư trú của tôi từ khi nhập cảnh, nói là để 'bảo quản'. \
                    Tôi xin lại nhiều lần nhưng không được trả. Tôi sợ bị phạt nếu cảnh sát kiểm tra.",
        prefecture: "JP-23",
        industry: "food processing",
        nationality: "VN",
        residence_status: ResidenceStatus::TechnicalIntern,
        worker_name: Some("Trần Văn Hùng"),
        phone: Some("+81 90 0000 0808"),
        disclose_identity: false,
        lodged_hours_ago: 25 * 24,
        step_hours: 48,
    },
    Story {
        target: CaseState::RemedyVerified,
        by: By::Worker,
        against: TOKAI_EMPLOYER,
        categories: &[Category::ContractDeception],
        language: "vi",
        narrative: "Hợp đồng ký ở Việt Nam ghi công việc đóng gói, nhưng sang Nhật tôi phải làm trong kho lạnh \
                    âm 20 độ. Hợp đồng chỉ có bản tiếng Nhật nên tôi không hiểu hết điều kiện làm việc.",
        prefecture: "JP-23",
        industry: "food processing",
        nationality: "VN",
        residence_status: ResidenceStatus::TechnicalIntern,
        worker_name: Some(DEMO_WORKER_NAME),
        phone: Some(DEMO_WORKER_PHONE),
        disclose_identity: false,
        lodged_hours_ago: 45 * 24,
        step_hours: 72,
    },
    Story {
        target: CaseState::Escalated,
        by: By::Intake,
        against: MUSASHINO_EMPLOYER,
        categories: &[Category::UnsafeWork],
        language: "id",
        narrative: "Saya jatuh dari perancah karena tidak ada tali pengaman. Tangan saya patah, tetapi mandor \
                    menyuruh saya mengatakan kepada rumah sakit bahwa saya jatuh di rumah, supaya tidak dilaporkan \
                    sebagai kecelakaan kerja.",
        prefecture: "JP-13",
        industry: "construction",
        nationality: "ID",
        residence_status: ResidenceStatus::SpecifiedSkilledWorker,
        worker_name: Some("Agus Santoso"),
        phone: Some("+81 80 0000 1010"),
        disclose_identity: false,
        lodged_hours_ago: 40 * 24,
        step_hours: 24,
    },
    Story {
        target: CaseState::ReferredExternal,
        by: By::Advocate,
        against: TOKAI_EMPLOYER,
        categories: &[Category::ForcedReturnOrDismissal, Category::PassportIdRetention],
        language: "my",
        narrative: "ကုမ္ပဏီက ကျွန်တော့်ကို အလုပ်ထုတ်ပြီး နောက်တစ်ပတ်အတွင်း မြန်မာပြည်ကို ပြန်ခိုင်းနေပါတယ်။ \
                    ကျွန်တော့်ပတ်စ်ပို့ကိုလည်း ပြန်မပေးသေးပါဘူး။ လေယာဉ်လက်မှတ်ခကို လစာထဲက ဖြတ်မယ်လို့ ပြောပါတယ်။",
        prefecture: "JP-23",
        industry: "food processing",
        nationality: "MM",
        residence_status: ResidenceStatus::TechnicalIntern,
        worker_name: Some("Aung Ko Ko"),
        phone: Some("+81 70 0000 1111"),
        disclose_identity: false,
        lodged_hours_ago: 10 * 24,
        step_hours: 24,
    },
    Story {
        target: CaseState::Closed,
        by: By::Intake,
        against: MUSASHINO_EMPLOYER,
        categories: &[Category::JobChangeObstructed],
        language: "en",
        narrative: "I want to move to another construction company under my Specified Skilled Worker visa. My \
                    employer refuses to give me the certificate of employment and says I must pay ¥300,000 before \
                    I can leave. My support organisation does not answer my calls.",
        prefecture: "JP-11",
        industry: "construction",
        nationality: "PH",
        residence_status: ResidenceStatus::SpecifiedSkilledWorker,
        worker_name: Some("Jose Reyes"),
        phone: Some("+81 90 0000 1212"),
        disclose_identity: true,
        lodged_hours_ago: 60 * 24,
        step_hours: 96,
    },
    Story {
        target: CaseState::NotAdmissible,
        by: By::Intake,
        against: Against::Named("Hanabishi Hosei K.K. (Gifu)"),
        categories: &[Category::Other],
        language: "zh",
        narrative: "我以前在岐阜的缝纫厂实习，三年前已经回国。现在想问能不能重新申请去日本工作的签证。",
        prefecture: "JP-21",
        industry: "garment manufacturing",
        nationality: "CN",
        residence_status: ResidenceStatus::Other,
        worker_name: None,
        phone: None,
        disclose_identity: false,
        lodged_hours_ago: 8 * 24,
        step_hours: 24,
    },
    Story {
        target: CaseState::Withdrawn,
        by: By::Worker,
        against: TOKAI_EMPLOYER,
        categories: &[Category::RestrictionOfMovement],
        language: "vi",
        narrative: "Ký túc xá cấm chúng tôi ra ngoài sau 8 giờ tối và cả ngày chủ nhật nếu không xin phép \
                    trưởng nhóm. Ai về muộn bị trừ lương.",
        prefecture: "JP-23",
        industry: "food processing",
        nationality: "VN",
        residence_status: ResidenceStatus::TechnicalIntern,
        worker_name: Some(DEMO_WORKER_NAME),
        phone: Some(DEMO_WORKER_PHONE),
        disclose_identity: false,
        lodged_hours_ago: 14 * 24,
        step_hours: 48,
    },
];

/// Lodges one story's case and drives it to its target state.
fn tell(
    conn: &mut DbConnection,
    cast: &Cast,
    story: &Story,
    receipts: &ReceiptKeys,
    now: DateTime<Utc>,
) -> Result<DemoCase, AppError> {
    let lodged_at = now - Duration::hours(story.lodged_hours_ago);
    let today = lodged_at.date_naive();
    let (lodger, worker_side, lodged_via) = match story.by {
        By::Intake => (Lodger::Anonymous, None, LodgedVia::Intake),
        By::Worker => (Lodger::Worker(cast.worker_id), Some(cast.worker.clone()), LodgedVia::Worker),
        By::Advocate => {
            let Actor::User { id, .. } = &cast.advocate else {
                return Err(AppError::internal(anyhow::anyhow!("the advocate is not a user")));
            };
            (Lodger::Advocate { user: *id, organisation: cast.ngo }, Some(cast.advocate.clone()), LodgedVia::Advocate)
        }
    };
    let (employer, employer_name) = match story.against {
        Against::Registered(index) => {
            let employer = employer(cast, index)?;
            (EmployerInput::Registered(employer.id), employer.name.to_owned())
        }
        Against::Named(name) => (EmployerInput::Named(name.to_owned()), name.to_owned()),
    };
    let input = NewCaseInput {
        categories: story.categories.to_vec(),
        narrative: story.narrative.to_owned(),
        narrative_language: LanguageTag::parse(story.language).map_err(AppError::internal)?,
        incident_from: Some(today - Duration::days(60)),
        incident_to: Some(today - Duration::days(2)),
        prefecture: Some(story.prefecture.to_owned()),
        industry: Some(story.industry.to_owned()),
        employer,
        nationality: Some(story.nationality.to_owned()),
        residence_status: Some(story.residence_status),
        identity: Identity {
            full_name: story.worker_name.map(str::to_owned),
            phone: story.phone.map(str::to_owned),
            ..Identity::default()
        },
        disclose_identity: story.disclose_identity,
        advocate_consent: (story.by == By::Advocate).then(|| AdvocateConsent {
            method: "signed consent form in the worker's language, kept at the NGO office".to_owned(),
            obtained_on: today - Duration::days(1),
        }),
    };
    let lodged = lodge::lodge(conn, lodger, input, None, receipts, lodged_at)?;
    let mut case = Running {
        id: lodged.case_id,
        version: 1,
        state: CaseState::Submitted,
        at: lodged_at,
        step: Duration::hours(story.step_hours),
        now,
        worker_side: worker_side.unwrap_or(Actor::CaseSession { case_id: lodged.case_id }),
    };
    drive(conn, cast, story, &mut case)?;
    if case.state != story.target {
        return Err(AppError::internal(anyhow::anyhow!(
            "demo case {} ended {} instead of {}",
            lodged.reference,
            case.state,
            story.target
        )));
    }
    Ok(DemoCase {
        id: lodged.case_id,
        reference: lodged.reference.to_string(),
        state: case.state,
        lodged_via,
        language: story.language.to_owned(),
        employer: employer_name,
        receipt_code: (story.by == By::Intake).then_some(lodged.receipt_code),
    })
}

fn employer(cast: &Cast, index: usize) -> Result<&Employer, AppError> {
    cast.employers.get(index).ok_or_else(|| AppError::internal(anyhow::anyhow!("no demo employer {index}")))
}

/// The steps that bring each story to its state, each by the actor who may take it.
/// Exhaustive over states: a new state does not compile until it has a demo.
fn drive(conn: &mut DbConnection, cast: &Cast, story: &Story, case: &mut Running) -> Result<(), AppError> {
    let handler = &cast.handler;
    let mediator = &cast.mediator;
    let worker = case.worker_side.clone();
    let (tokai, musashino) = (employer(cast, 0)?, employer(cast, 1)?);
    match story.target {
        CaseState::Submitted => {}
        CaseState::Acknowledged => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-8", "FL-11"])?;
        }
        CaseState::Referred => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
        }
        CaseState::Responded => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.staff,
                Action::Respond,
                "We are checking the time records for the busy season and will report back within two weeks.",
            )?;
        }
        CaseState::InMediation => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-5", "FL-6"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.supervisor_staff,
                Action::Respond,
                "The cooperative interviewed the line leader and two co-workers; the accounts differ.",
            )?;
            case.assign_mediator(conn, handler, cast.mediator_id)?;
            case.take(conn, mediator, Action::StartMediation)?;
        }
        CaseState::RemedyProposed => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.staff,
                Action::Respond,
                "The 'management fee' was deducted in error; it is not in the contract.",
            )?;
            let due = case.due_in(30);
            case.propose(
                conn,
                &tokai.staff,
                vec![
                    remedy(
                        RemedyType::FinancialCompensation,
                        "Repay the 'management fee' deducted from April to September (6 × ¥30,000)",
                        tokai.id,
                        Some(("180000", "JPY")),
                        Some(due),
                    )?,
                    remedy(
                        RemedyType::Apology,
                        "A written apology in Vietnamese from the factory manager",
                        tokai.id,
                        None,
                        Some(due),
                    )?,
                ],
            )?;
        }
        CaseState::RemedyAgreed => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-9", "FL-2"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &musashino.staff,
                Action::Respond,
                "We did not know about the broker's fees and are ready to discuss reimbursement.",
            )?;
            case.assign_mediator(conn, handler, cast.mediator_id)?;
            case.take(conn, handler, Action::StartMediation)?;
            let (pay_by, change_by) = (case.due_in(45), case.due_in(60));
            case.propose(
                conn,
                mediator,
                vec![
                    remedy(
                        RemedyType::FinancialCompensation,
                        "Reimburse the recruitment fees the worker paid (NPR 650,000 at the day's rate)",
                        musashino.id,
                        Some(("620000", "JPY")),
                        Some(pay_by),
                    )?,
                    remedy(
                        RemedyType::NonRepetition,
                        "Adopt the employer-pays principle and stop working with brokers that charge workers fees",
                        musashino.supervisor,
                        None,
                        Some(change_by),
                    )?,
                ],
            )?;
            case.take(conn, &worker, Action::AcceptRemedy)?;
        }
        CaseState::RemedyDelivered => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-7"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.staff,
                Action::Respond,
                "The passport was kept in the office safe; we will return it at once.",
            )?;
            let due = case.due_in(7);
            let remedies = case.propose(
                conn,
                &tokai.staff,
                vec![remedy(
                    RemedyType::Restitution,
                    "Return the passport and residence card to the worker in person",
                    tokai.id,
                    None,
                    Some(due),
                )?],
            )?;
            case.take(conn, &worker, Action::AcceptRemedy)?;
            for id in remedies {
                case.deliver(
                    conn,
                    &tokai.staff,
                    id,
                    "Passport and residence card handed back in the presence of the cooperative's staff; \
                     the worker signed a receipt.",
                )?;
            }
        }
        CaseState::RemedyVerified => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-2"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.supervisor_staff,
                Action::Respond,
                "The cooperative confirms the contract was only given in Japanese.",
            )?;
            case.consent(conn, &worker)?;
            let due = case.due_in(21);
            let remedies = case.propose(
                conn,
                &tokai.supervisor_staff,
                vec![
                    remedy(
                        RemedyType::Restitution,
                        "Move the worker to packing work, as her contract states",
                        tokai.id,
                        None,
                        Some(due),
                    )?,
                    remedy(
                        RemedyType::NonRepetition,
                        "Give every trainee the contract and working conditions in their own language",
                        tokai.supervisor,
                        None,
                        Some(due),
                    )?,
                ],
            )?;
            case.take(conn, &worker, Action::AcceptRemedy)?;
            for (id, by, evidence) in [
                (remedies.first(), &tokai.staff, "Transferred to the packing line; new work rota attached."),
                (
                    remedies.get(1),
                    &tokai.supervisor_staff,
                    "Vietnamese contracts handed to all 14 trainees; copies on file at the cooperative.",
                ),
            ] {
                let id = id.copied().ok_or_else(|| AppError::internal(anyhow::anyhow!("a remedy is missing")))?;
                case.deliver(conn, by, id, evidence)?;
            }
            case.confirm(conn, &worker, 4, "Cảm ơn, tôi đã được chuyển sang bộ phận đóng gói.")?;
        }
        CaseState::Escalated => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-10", "FL-6"])?;
            case.take(conn, handler, Action::Refer)?;
            case.wait(Duration::days(31));
            case.take_because(
                conn,
                handler,
                Action::Escalate,
                "No response from the employer or the support organisation within 30 days of referral; \
                 the worker's injury was not reported as a workplace accident.",
            )?;
        }
        CaseState::ReferredExternal => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-6", "FL-7"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                handler,
                Action::Escalate,
                "The worker is to be sent home within a week; there is no time to wait for the employer.",
            )?;
            let mut input = ActionInput::new(Action::ReferExternal, 0);
            input.external_body = Some(ExternalBody::Otit);
            input.reason = Some(
                "Reported to OTIT as a suspected forced return of a technical intern; the NGO accompanies the \
                 worker."
                    .to_owned(),
            );
            case.act(conn, handler, input)?;
        }
        CaseState::Closed => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &musashino.staff,
                Action::Respond,
                "We will cooperate with the job change; the ¥300,000 'exit fee' will not be charged.",
            )?;
            case.assign_mediator(conn, handler, cast.mediator_id)?;
            case.take(conn, mediator, Action::StartMediation)?;
            let due = case.due_in(7);
            let remedies = case.propose(
                conn,
                mediator,
                vec![
                    remedy(
                        RemedyType::Restitution,
                        "Issue the certificate of employment and the documents needed for the job change",
                        musashino.id,
                        None,
                        Some(due),
                    )?,
                    remedy(
                        RemedyType::NonRepetition,
                        "Written guidance to the employer on specified skilled workers' right to change jobs",
                        musashino.supervisor,
                        None,
                        Some(due),
                    )?,
                ],
            )?;
            case.take(conn, &worker, Action::AcceptRemedy)?;
            for (id, by, evidence) in [
                (remedies.first(), &musashino.staff, "Certificate of employment sent by registered mail."),
                (remedies.get(1), &musashino.supervisor_staff, "Guidance letter sent; copy shared with the mediator."),
            ] {
                let id = id.copied().ok_or_else(|| AppError::internal(anyhow::anyhow!("a remedy is missing")))?;
                case.deliver(conn, by, id, evidence)?;
            }
            case.confirm(conn, &worker, 5, "I started at my new company. Thank you.")?;
            case.take(conn, handler, Action::Close)?;
        }
        CaseState::NotAdmissible => {
            case.take_because(
                conn,
                handler,
                Action::RejectNotAdmissible,
                "A visa question from a former trainee, not a grievance about work in Japan; referred to the \
                 Immigration Services Agency's information centre.",
            )?;
        }
        CaseState::Withdrawn => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &worker,
                Action::Withdraw,
                "Công ty đã bỏ giờ giới nghiêm sau buổi họp với nghiệp đoàn. Tôi không muốn tiếp tục.",
            )?;
        }
    }
    Ok(())
}

fn remedy(
    remedy_type: RemedyType,
    description: &str,
    responsible: OrganisationId,
    money: Option<(&str, &str)>,
    due_date: Option<NaiveDate>,
) -> Result<NewRemedy, AppError> {
    let money = money
        .map(|(amount, currency)| Money::parse(amount, currency))
        .transpose()
        .map_err(|message| AppError::internal(anyhow::anyhow!("demo remedy amount: {message}")))?;
    Ok(NewRemedy {
        remedy_type,
        description: description.to_owned(),
        responsible_organisation_id: responsible,
        money,
        due_date,
    })
}

/// A demo case on its way: its version and its own clock, which moves
/// forward a step per command and never past `now`.
struct Running {
    id: CaseId,
    version: i32,
    state: CaseState,
    at: DateTime<Utc>,
    step: Duration,
    now: DateTime<Utc>,
    /// The worker (by account or receipt session) or their advocate.
    worker_side: Actor,
}

impl Running {
    fn tick(&mut self) -> DateTime<Utc> {
        self.at = (self.at + self.step).min(self.now);
        self.at
    }

    fn wait(&mut self, pause: Duration) {
        self.at = (self.at + pause).min(self.now);
    }

    /// A date `days` after the case's current time.
    fn due_in(&self, days: i64) -> NaiveDate {
        (self.at + Duration::days(days)).date_naive()
    }

    fn seen(&mut self, view: CaseView) -> CaseView {
        self.version = view.case.version;
        self.state = view.case.state;
        view
    }

    fn act(&mut self, conn: &mut DbConnection, actor: &Actor, mut input: ActionInput) -> Result<CaseView, AppError> {
        input.expected_version = self.version;
        let at = self.tick();
        let view = act::act(conn, actor, self.id, input, at)?;
        Ok(self.seen(view))
    }

    fn take(&mut self, conn: &mut DbConnection, actor: &Actor, action: Action) -> Result<CaseView, AppError> {
        self.act(conn, actor, ActionInput::new(action, self.version))
    }

    fn take_because(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        action: Action,
        reason: &str,
    ) -> Result<CaseView, AppError> {
        let mut input = ActionInput::new(action, self.version);
        input.reason = Some(reason.to_owned());
        self.act(conn, actor, input)
    }

    fn propose(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        remedies: Vec<NewRemedy>,
    ) -> Result<Vec<RemedyId>, AppError> {
        let mut input = ActionInput::new(Action::ProposeRemedy, self.version);
        input.remedies = remedies;
        let view = self.act(conn, actor, input)?;
        Ok(view.remedies.iter().map(|r| r.id).collect())
    }

    fn deliver(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        remedy: RemedyId,
        evidence: &str,
    ) -> Result<CaseView, AppError> {
        let mut input = ActionInput::new(Action::MarkRemedyDelivered, self.version);
        input.remedy_id = Some(remedy);
        input.reason = Some(evidence.to_owned());
        self.act(conn, actor, input)
    }

    fn confirm(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        rating: i32,
        comment: &str,
    ) -> Result<CaseView, AppError> {
        let mut input = ActionInput::new(Action::ConfirmRemedy, self.version);
        input.rating = Some(rating);
        input.comment = Some(comment.to_owned());
        self.act(conn, actor, input)
    }

    fn assign_mediator(
        &mut self,
        conn: &mut DbConnection,
        handler: &Actor,
        mediator: UserId,
    ) -> Result<CaseView, AppError> {
        let at = self.tick();
        let view = commands::assign_mediator(conn, handler, self.id, self.version, mediator, at)?;
        Ok(self.seen(view))
    }

    fn classify(
        &mut self,
        conn: &mut DbConnection,
        handler: &Actor,
        indicators: &[&str],
    ) -> Result<CaseView, AppError> {
        let classification = Classification {
            forced_labour_indicators: Some(indicators.iter().map(|code| (*code).to_owned()).collect()),
            ..Classification::default()
        };
        let at = self.tick();
        let view = commands::classify(conn, handler, self.id, self.version, classification, at)?;
        Ok(self.seen(view))
    }

    fn consent(&mut self, conn: &mut DbConnection, worker: &Actor) -> Result<CaseView, AppError> {
        let at = self.tick();
        let view = commands::set_disclosure_consent(conn, worker, self.id, self.version, true, at)?;
        Ok(self.seen(view))
    }
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Demo data created: {} organisations, {} users, {} cases (one in every lifecycle state).",
            self.organisations.len(),
            self.logins.len(),
            self.cases.len()
        )?;
        writeln!(f, "The passwords are random and shown only now. Demo data only: do not use it in production.")?;
        writeln!(f)?;
        writeln!(
            f,
            "Logins: POST /api/v1/auth/login with {{\"<login with>\": \"<login>\", \"password\": \"<password>\"}}"
        )?;
        let rows = self
            .logins
            .iter()
            .map(|l| {
                vec![
                    l.role.as_str().to_owned(),
                    l.login_field.to_owned(),
                    l.login.clone(),
                    l.password.clone(),
                    l.organisation.clone().unwrap_or_else(|| "-".to_owned()),
                ]
            })
            .collect::<Vec<_>>();
        write_table(f, &["ROLE", "LOGIN WITH", "LOGIN", "PASSWORD", "ORGANISATION"], &rows)?;
        writeln!(f)?;
        writeln!(f, "Organisations: GET /api/v1/admin/organisations (as the admin)")?;
        let rows = self
            .organisations
            .iter()
            .map(|o| vec![o.id.to_string(), o.kind.as_str().to_owned(), o.name.clone()])
            .collect::<Vec<_>>();
        write_table(f, &["ID", "KIND", "NAME"], &rows)?;
        writeln!(f)?;
        writeln!(f, "Cases: GET /api/v1/cases (the handler sees them all)")?;
        let rows = self
            .cases
            .iter()
            .map(|c| {
                vec![
                    c.reference.clone(),
                    c.state.as_str().to_owned(),
                    c.lodged_via.as_str().to_owned(),
                    c.language.clone(),
                    c.employer.clone(),
                ]
            })
            .collect::<Vec<_>>();
        write_table(f, &["REFERENCE", "STATE", "LODGED VIA", "LANGUAGE", "EMPLOYER"], &rows)?;
        writeln!(f)?;
        writeln!(
            f,
            "Receipt codes: POST /api/v1/intake/session with {{\"reference\": \"<reference>\", \"receipt_code\": \"<receipt code>\"}}"
        )?;
        let rows = self
            .cases
            .iter()
            .filter_map(|c| {
                c.receipt_code.as_ref().map(|code| vec![c.reference.clone(), code.clone(), c.state.as_str().to_owned()])
            })
            .collect::<Vec<_>>();
        write_table(f, &["REFERENCE", "RECEIPT CODE", "STATE"], &rows)
    }
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
fn write_table(f: &mut fmt::Formatter<'_>, headers: &[&str], rows: &[Vec<String>]) -> fmt::Result {
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter().filter_map(|row| row.get(i)).map(|cell| cell.chars().count()).chain([h.chars().count()]).max()
        })
        .map(|width| width.unwrap_or(0))
        .collect();
    let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let width = widths.get(i).copied().unwrap_or(0);
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(f, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::{valid_nationality, valid_prefecture};

    #[test]
    fn every_lifecycle_state_has_exactly_one_story() {
        for state in CaseState::ALL {
            let count = STORIES.iter().filter(|s| s.target == *state).count();
            assert_eq!(count, 1, "{state}");
        }
        assert_eq!(STORIES.len(), CaseState::ALL.len());
    }

    #[test]
    fn stories_are_valid_grievances_in_many_languages() {
        let mut languages = std::collections::BTreeSet::new();
        for story in STORIES {
            assert!(valid_prefecture(story.prefecture), "{}", story.prefecture);
            assert!(valid_nationality(story.nationality), "{}", story.nationality);
            assert!(LanguageTag::parse(story.language).is_ok(), "{}", story.language);
            assert!(!story.categories.is_empty() && !story.narrative.trim().is_empty());
            assert!(story.narrative.chars().count() <= 20_000);
            assert!(story.lodged_hours_ago > 0 && story.step_hours > 0);
            languages.insert(story.language);
        }
        for language in ["vi", "ne", "id", "my", "zh", "en"] {
            assert!(languages.contains(language), "{language}");
        }
        for by in [By::Intake, By::Worker, By::Advocate] {
            assert!(STORIES.iter().any(|s| s.by == by), "{by:?}");
        }
    }

    #[test]
    fn passwords_are_random_readable_and_long_enough() {
        let first = new_password().unwrap();
        let second = new_password().unwrap();
        assert_ne!(first, second);
        assert!(crate::domain::user::check_password(&first).is_ok());
        assert_eq!(first.len(), 19);
        assert!(first.split('-').all(|group| group.len() == 4));
        assert!(first.bytes().all(|b| b == b'-' || PASSWORD_ALPHABET.contains(&b)), "{first}");
    }
}
