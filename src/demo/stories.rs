//! The demo cases: one story per lifecycle state, in workers' own languages.

use crate::domain::case::ResidenceStatus;
use crate::domain::catalogue::Category;
use crate::domain::lifecycle::CaseState;

/// Who lodged a demo case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum By {
    /// Without an account: the case gets a receipt code.
    Intake,
    /// The demo worker's own account.
    Worker,
    /// The NGO's advocate, with the worker's consent.
    Advocate,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Against {
    /// Index into `Cast::employers`.
    Registered(usize),
    /// An employer not registered in Madoguchi.
    Named(&'static str),
}

/// One grievance and how far it has gone.
pub(super) struct Story {
    pub(super) target: CaseState,
    pub(super) by: By,
    pub(super) against: Against,
    pub(super) categories: &'static [Category],
    pub(super) language: &'static str,
    pub(super) narrative: &'static str,
    pub(super) prefecture: &'static str,
    pub(super) industry: &'static str,
    pub(super) nationality: &'static str,
    pub(super) residence_status: ResidenceStatus,
    pub(super) worker_name: Option<&'static str>,
    pub(super) phone: Option<&'static str>,
    pub(super) disclose_identity: bool,
    /// When the case was lodged, and the usual time between its steps.
    pub(super) lodged_hours_ago: i64,
    pub(super) step_hours: i64,
}

pub(super) const TOKAI_EMPLOYER: Against = Against::Registered(0);
pub(super) const MUSASHINO_EMPLOYER: Against = Against::Registered(1);
pub(super) const DEMO_WORKER_NAME: &str = "Nguyễn Thị Lan";
pub(super) const DEMO_WORKER_PHONE: &str = "+81 90 0000 0101";

pub(super) const STORIES: &[Story] = &[
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
