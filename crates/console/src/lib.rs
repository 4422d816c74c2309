//! vouch's web console, rendered on the server.
//!
//! Pure: this crate turns view models (plain data in [`view`]) into HTML
//! with `maud` and knows nothing of HTTP, sessions or the store. The server
//! fills the view models, decides who may see what (for example
//! [`RequestView::can_download`]), checks the CSRF token and serves
//! [`STYLE_CSS`] and [`CONSOLE_JS`] at [`STYLE_PATH`] and [`SCRIPT_PATH`].
//!
//! Every page:
//!
//! * is one document with `<html lang="en">`, a `<title>`, a skip link, one
//!   `<h1>` and `<main id="main">`; signed-in pages show the navigation for
//!   the official's role, the official's id and role, and a sign-out form;
//! * escapes every string taken from records (maud escapes all splices; this
//!   crate never uses `PreEscaped` on data);
//! * loads nothing from another origin and uses no inline script or style
//!   attribute, so `Content-Security-Policy: default-src 'self'` holds;
//! * is readable without JavaScript; the script only adds live progress and
//!   the in-browser check of an inclusion proof;
//! * labels every form control, captions every table, and gives every chart
//!   a text equivalent.
//!
//! | page | function | path the server is expected to use |
//! |---|---|---|
//! | sign in | [`sign_in`] | `GET /console/sign-in` (form posts there) |
//! | review queue | [`review_queue`] | `/console/review` |
//! | requests | [`requests_list`] | `/console/requests` |
//! | one request | [`request_page`] | `/console/requests/{id}` (`?subject=` explains) |
//! | ledger | [`ledger_page`] | `/console/ledger` (`?request=&subject=` looks up) |
//! | oversight | [`oversight_page`] | `/console/oversight` |
//! | accounting | [`accounting_page`], [`accounting_csv`] | `/console/oversight/accounting`, `.csv` |
//! | errors | [`error_page`] | any |
//! | officials | [`officials_page`] | `/console/officials` |
//! | court orders | [`orders_page`] | `/console/orders` (documents at `/console/orders/{id}/document`) |
//! | second factor | [`second_factor_page`] | `/console/second-factor` (a session opened with a token only) |
//! | security-key enrolment | [`enrol_page`] | `/console/enrol`, `/console/enrol/start`, `/console/enrol/finish` |
//!
//! The figures of the pages are computed here too, from the records the
//! server reads (pure functions, no store access):
//!
//! | figures | function | fills |
//! |---|---|---|
//! | weeks, reasons, activity, AI notices, overdue dispositions | [`oversight_view`] (from every request and the [`Released`] ones) | [`OversightView`] |
//! | the 6103(p)(3) accounting | [`accounting_rows`] | [`AccountingRow`]s |
//! | one batch of the review queue | [`queue_item`] | [`QueueItem`] |
//! | the registry with its tokens | [`officials_view`] | [`OfficialsView`] |
//! | responses past retention | [`overdue_dispositions`] | [`OverdueDisposition`]s |
//!
//! View models carry typed values: moments are [`time::OffsetDateTime`]s
//! (shown as `YYYY-MM-DD hh:mm:ss UTC`, with the canonical RFC 3339 text of
//! [`vouch_core::timestamp::format`] in `<time datetime>`), dates
//! [`time::Date`]s, codes [`vouch_core::ReasonCode`] and
//! [`vouch_core::HoldCode`], outcome counts [`vouch_core::OutcomeCounts`].
//!
//! Forms post to `/console/sign-in`, `/console/sign-out`,
//! `/console/requests/{id}/approve` and `/console/requests/{id}/deny`
//! (field `comment`), each with a hidden `csrf` field. Path segments are
//! percent-encoded.
#![deny(missing_docs)]

mod aggregate;
mod assets;
mod chart;
mod incident;
mod layout;
mod ledger;
mod officials;
mod orders;
mod oversight;
mod queue;
mod request;
mod security_key;
mod sign;
pub mod view;

pub use aggregate::{accounting_rows, officials_view, oversight_view, queue_item, Released};
pub use assets::{CONSOLE_JS, SCRIPT_PATH, STYLE_CSS, STYLE_PATH};
pub use incident::incident_report_html;
pub use layout::{error_page, sign_in, Layout};
pub use ledger::ledger_page;
pub use maud::Markup;
pub use officials::{officials_page, sign_change_page};
pub use orders::orders_page;
pub use oversight::{
    accounting_csv, accounting_page, iso_week, overdue_dispositions, oversight_page,
    ACCOUNTING_CSV_PATH, ACCOUNTING_HEADER, ACCOUNTING_PAGE_PATH, STATUTORY_AUTHORITY,
};
pub use queue::{review_queue, COMMENT_MAX, PROBING_CODES};
pub use request::{request_page, requests_list, timeline, Stage, StageState};
pub use security_key::{enrol_page, second_factor_page, PendingView};
pub use sign::{sign_decision_page, SignDecisionView};
pub use view::{
    AccountingRow, AiNotices, ChangeRow, CheckpointView, ExplainTerm, Explanation,
    IncidentReportView, IncidentRequestRow, LedgerView, NewToken, OfficialActivity, OfficialRow,
    OfficialsView, OrderView, OverdueDisposition, OversightView, Progress, ProofView, QueueItem,
    ReasonCount, ReasonWeek, RejectedSample, RequestRow, RequestView, SignChangeView, TokenRow,
    WeekRow, WitnessView,
};

/// What can go wrong in this crate: only writing the accounting CSV.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The CSV writer failed (it writes to memory, so this is not expected).
    #[error("writing the accounting CSV: {0}")]
    Csv(String),
}

impl From<csv::Error> for ConsoleError {
    fn from(e: csv::Error) -> Self {
        ConsoleError::Csv(e.to_string())
    }
}
