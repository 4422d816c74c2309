//! Rendering tests: every page with empty, normal and very large data, and
//! the properties every page must have (one document, one `<h1>`, balanced
//! tags, labelled controls, unique ids, escaped data, nothing external).

use std::collections::{HashMap, HashSet};

use time::macros::{date, datetime};
use time::OffsetDateTime;
use vouch_console::*;
use vouch_core::{HoldCode, Outcome, OutcomeCounts, ReasonCode};
use vouch_store::{Approval, AuditAction, AuditEvent, RequestRecord, RequestStatus, Role};

const EVIL: &str = "<script>alert(\"x\")</script>&";

// ---------- checks every page must pass ----------

const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param",
];

/// One start or end tag: (name, is_end, attributes text).
fn tags(html: &str) -> Vec<(String, bool, &str)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').expect("a '<' without '>'");
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        if inner.starts_with('!') {
            continue;
        }
        let (is_end, body) = match inner.strip_prefix('/') {
            Some(b) => (true, b),
            None => (false, inner),
        };
        let name_end = body
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(body.len());
        let name = body[..name_end].to_ascii_lowercase();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "odd tag <{inner}>"
        );
        out.push((name, is_end, &body[name_end..]));
    }
    out
}

/// The value of attribute `name` in a tag's attribute text.
fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let pat = format!(" {name}=\"");
    let i = attrs.find(&pat)? + pat.len();
    let len = attrs[i..].find('"')?;
    Some(&attrs[i..i + len])
}

fn has_flag(attrs: &str, name: &str) -> bool {
    attrs
        .split_whitespace()
        .any(|w| w == name || w.starts_with(&format!("{name}=")))
}

fn count(h: &str, needle: &str) -> usize {
    h.matches(needle).count()
}

/// The properties every rendered page has.
fn check_page(h: &str) {
    assert!(h.starts_with("<!DOCTYPE html>"), "doctype");
    assert_eq!(count(h, "<html"), 1, "one <html");
    assert_eq!(count(h, "</html>"), 1, "one </html>");
    assert!(h.contains("<html lang=\"en\">"));
    assert_eq!(count(h, "<h1"), 1, "exactly one <h1>");
    let head = &h[..h.find("</head>").expect("a head")];
    assert_eq!(count(head, "<title>"), 1, "one document title");
    assert_eq!(count(h, "<main id=\"main\""), 1);
    assert!(h.contains("href=\"#main\""), "skip link");
    // Nothing is loaded or linked from elsewhere (a witness's URL may be
    // shown as text, never followed).
    for attr in ["src=\"", "href=\"", "action=\"", "url("] {
        for scheme in ["http:", "https:", "//"] {
            assert!(
                !h.contains(&format!("{attr}{scheme}")),
                "external URL in {attr}"
            );
        }
    }
    assert!(!h.contains("style=\""), "inline style attribute (CSP)");
    assert_eq!(count(h, "<script"), 1, "only the console script");
    assert!(h.contains("<script src=\"/console/static/console.js\" defer></script>"));
    assert!(h.contains("href=\"/console/static/console.css\""));

    // Balanced tags (HTML void elements aside; SVG elements are closed explicitly).
    let all = tags(h);
    let mut stack: Vec<&str> = Vec::new();
    for (name, is_end, _) in &all {
        if VOID.contains(&name.as_str()) {
            assert!(!is_end, "end tag of void <{name}>");
            continue;
        }
        if *is_end {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> without start"));
            assert_eq!(open, name, "mis-nested </{name}>");
        } else {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");

    // Unique ids; every visible control has a <label for>.
    let mut ids = HashSet::new();
    let mut fors = HashMap::new();
    for (name, is_end, a) in &all {
        if *is_end {
            continue;
        }
        if let Some(id) = attr(a, "id") {
            assert!(ids.insert(id), "duplicate id {id}");
        }
        if name == "label" {
            let f = attr(a, "for").expect("a label without for");
            *fors.entry(f).or_insert(0) += 1;
        }
    }
    for (name, is_end, a) in &all {
        if *is_end || !matches!(name.as_str(), "input" | "textarea" | "select") {
            continue;
        }
        if attr(a, "type") == Some("hidden") {
            continue;
        }
        let id = attr(a, "id").unwrap_or_else(|| panic!("<{name}{a}> has no id"));
        assert_eq!(
            fors.get(id),
            Some(&1),
            "<{name} id={id}> needs one <label for>"
        );
    }
    // Every table has a caption and its header cells a scope.
    assert_eq!(
        count(h, "<table"),
        count(h, "<caption>"),
        "table without caption"
    );
    for (name, is_end, a) in &all {
        if name == "th" && !is_end {
            assert!(attr(a, "scope").is_some(), "<th> without scope");
        }
    }
    // Every form that posts carries the CSRF token.
    let mut in_post_form = false;
    let mut saw_csrf = false;
    for (name, is_end, a) in &all {
        match (name.as_str(), is_end) {
            ("form", false) => {
                in_post_form = attr(a, "method") == Some("post");
                saw_csrf = false;
            }
            ("input", false) if in_post_form && attr(a, "name") == Some("csrf") => saw_csrf = true,
            ("form", true) => {
                assert!(!in_post_form || saw_csrf, "a posting form without csrf");
                in_post_form = false;
            }
            _ => {}
        }
    }
}

fn assert_escaped(h: &str) {
    assert!(!h.contains("<script>alert"), "data not escaped");
    assert!(h.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"));
}

// ---------- data ----------

fn officer() -> Layout {
    Layout {
        official_id: "officer-1".into(),
        agency: "IRS".into(),
        role: Role::DisclosureOfficer,
        csrf: "tok-123".into(),
        banners: Vec::new(),
    }
}

fn layout_as(role: Role) -> Layout {
    Layout { role, ..officer() }
}

fn approval(officer: &str) -> Approval {
    Approval {
        officer: officer.into(),
        at: datetime!(2026-03-02 10:00 UTC),
        comment: "ok".into(),
        signature: None,
    }
}

fn record(id: &str, status: RequestStatus) -> RequestRecord {
    RequestRecord {
        request_id: id.into(),
        agency: "DHS-ICE".into(),
        letter_sha256: "00".repeat(32),
        subjects_sha256: "11".repeat(32),
        status,
        subject_count: 14,
        request_reasons: vec![],
        holds: vec![],
        approvals_required: 2,
        approvals: vec![],
        policy_version: "v1-abc".into(),
        denial: None,
        completed_at: None,
        disposition_certified: None,
        received_at: datetime!(2026-03-01 09:00 UTC),
        updated_at: datetime!(2026-03-01 09:05 UTC),
    }
}

fn event(action: AuditAction, at: OffsetDateTime) -> AuditEvent {
    AuditEvent {
        at,
        actor: "system".into(),
        action,
        detail: "14 subjects".into(),
    }
}

fn queue_item(i: usize) -> QueueItem {
    let mut q = QueueItem::from_record(&record(&format!("REQ-{i}"), RequestStatus::PendingReview));
    q.rejections = vec![
        ReasonCount {
            code: ReasonCode::DobInvalid,
            count: 2,
        },
        ReasonCount {
            code: ReasonCode::RepeatInquiry,
            count: 3,
        },
        ReasonCount {
            code: ReasonCode::AddressFanout,
            count: 1,
        },
    ];
    q.rejected_sample = vec![RejectedSample {
        subject_ref: format!("S-{i}"),
        reasons: vec![ReasonCode::DobInvalid],
    }];
    q
}

fn explanation(prior: f64, weights: &[f64]) -> Explanation {
    let terms: Vec<ExplainTerm> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| ExplainTerm {
            field: ["surname", "given_name", "dob", "address", "suffix"][i % 5].into(),
            level: "exact".into(),
            weight: *w,
        })
        .collect();
    let total = prior + weights.iter().sum::<f64>();
    Explanation {
        subject_ref: "S-7".into(),
        outcome: Some(Outcome::Confirmed),
        prior,
        terms,
        total,
        threshold: 10.0,
    }
}

fn week(i: usize) -> WeekRow {
    WeekRow {
        week: format!("{}-W{:02}", 2016 + i / 52, i % 52 + 1),
        requests: i as u64 % 7,
        lookups: (i as u64 * 37) % 1000,
        confirmed: i as u64 % 11,
        not_confirmed: i as u64 % 13,
        rejected: i as u64 % 5,
    }
}

fn accounting_row(i: usize) -> AccountingRow {
    AccountingRow {
        request_id: format!("REQ-{i}"),
        agency: "DHS-ICE".into(),
        signers: vec!["signer-1".into()],
        disclosed_at: Some(datetime!(2026-03-02 11:00 UTC)),
        subjects: 14,
        confirmed: 6,
        not_confirmed: 2,
        rejected: 6,
        approving_officers: vec!["officer-1".into(), "officer-2".into()],
        policy_version: "v1-abc".into(),
        withdrawn: i as u64 % 2,
    }
}

// ---------- layout, sign in, errors ----------

#[test]
fn sign_in_posts_a_labelled_token_and_the_csrf_field() {
    for err in [None, Some("Sign-in failed."), Some(EVIL)] {
        let h = sign_in(err, "csrf-xyz").into_string();
        check_page(&h);
        assert!(h.contains("action=\"/console/sign-in\""));
        assert!(h.contains("method=\"post\""));
        assert!(h.contains("type=\"password\" id=\"token\" name=\"token\""));
        assert!(h.contains("<label for=\"token\">"));
        assert!(h.contains("type=\"hidden\" name=\"csrf\" value=\"csrf-xyz\""));
        assert!(!h.contains("<nav"), "no navigation before sign-in");
        if err == Some(EVIL) {
            assert_escaped(&h);
        }
    }
}

#[test]
fn navigation_follows_the_role() {
    let nav = |role| {
        let h = requests_list(&layout_as(role), &[]).into_string();
        check_page(&h);
        assert!(h.contains("action=\"/console/sign-out\""));
        assert!(h.contains("value=\"tok-123\""));
        assert!(h.contains("<strong>officer-1</strong>"));
        (
            h.contains(">Review queue</a>"),
            h.contains(">Requests</a>"),
            h.contains(">Ledger</a>"),
            h.contains(">Oversight</a>"),
        )
    };
    assert_eq!(nav(Role::DisclosureOfficer), (true, true, true, true));
    assert_eq!(nav(Role::Auditor), (false, true, true, true));
    // Requesters see their agency's requests only (the ledger and oversight
    // are the tax agency's); administrators the registry only.
    assert_eq!(nav(Role::Signer), (false, true, false, false));
    assert_eq!(nav(Role::Administrator), (false, false, false, false));
    let h = requests_list(&officer(), &[]).into_string();
    assert!(h.contains("<a href=\"/console/requests\" aria-current=\"page\">Requests</a>"));
    assert!(h.contains("(disclosure officer, IRS)"));
}

#[test]
fn layout_escapes_the_official_and_the_csrf_token() {
    let l = Layout {
        official_id: EVIL.into(),
        agency: "A".into(),
        role: Role::Auditor,
        csrf: "\"><script>alert(\"x\")</script>&".into(),
        banners: vec![EVIL.into()],
    };
    let h = requests_list(&l, &[]).into_string();
    check_page(&h);
    assert_escaped(&h);
}

#[test]
fn error_page_with_and_without_a_session() {
    for (status, heading) in [
        (404, "Not found"),
        (403, "Not allowed"),
        (500, "Something went wrong"),
        (418, "Error"),
    ] {
        let h = error_page(None, status, "The page does not exist.").into_string();
        check_page(&h);
        assert!(h.contains(&format!("<h1>{heading}</h1>")));
        assert!(!h.contains("<nav"));
        let h = error_page(Some(&officer()), status, EVIL).into_string();
        check_page(&h);
        assert_escaped(&h);
        assert!(h.contains("<nav"));
    }
}

// ---------- review queue ----------

#[test]
fn empty_queue_says_nothing_waits() {
    let h = review_queue(&officer(), &[]).into_string();
    check_page(&h);
    assert!(h.contains("Nothing waits for review"));
    assert!(!h.contains("<form method=\"post\" action=\"/console/requests/"));
}

#[test]
fn queue_item_shows_approvals_rejections_probing_hits_and_forms() {
    let mut item = queue_item(1);
    item.approvals = vec![approval("officer-9")];
    let h = review_queue(&officer(), std::slice::from_ref(&item)).into_string();
    check_page(&h);
    assert!(h.contains("<dt>Holds</dt><dd>none</dd>"));
    assert!(h.contains(
        "<dt>Received</dt><dd><time datetime=\"2026-03-01T09:00:00.000000Z\">2026-03-01 09:00:00 UTC</time></dd>"
    ));
    assert!(h.contains("approved by officer-9 at <time datetime=\"2026-03-02T10:00:00.000000Z\">2026-03-02 10:00:00 UTC</time>"));
    item.holds = vec![HoldCode::BoilerplateRelevance, HoldCode::LargeBatch];
    let h = review_queue(&officer(), &[item]).into_string();
    assert!(h.contains("<dt>Holds</dt><dd>BOILERPLATE_RELEVANCE, LARGE_BATCH</dd>"));
    assert!(h.contains("1 of 2 approvals"));
    assert!(h.contains("approved by officer-9"));
    // REPEAT_INQUIRY 3 + ADDRESS_FANOUT 1; DOB_INVALID is not a probing code.
    assert!(h.contains("Probing guard: 4 hits"), "{h}");
    assert!(h.contains("<code>REPEAT_INQUIRY</code> 3"));
    assert!(h.contains("<code>ADDRESS_PROBING</code> 0"));
    // The bar chart has text counts beside its (hidden) bars.
    assert!(h.contains("<code>DOB_INVALID</code></th><td class=\"num\">2</td>"));
    assert!(h.contains("aria-hidden=\"true\""));
    assert!(h.contains("<th scope=\"row\">S-1</th><td>DOB_INVALID</td>"));
    for kind in ["approve", "deny"] {
        let form_at = h
            .find(&format!("class=\"decision {kind}\""))
            .expect("decision form");
        let form_at = h[..form_at].rfind("<form").unwrap();
        let form = &h[form_at..form_at + h[form_at..].find("</form>").unwrap()];
        assert!(form.contains("action=\"/console/requests/REQ-1/sign\""));
        assert!(form.contains(&format!("name=\"decision\" value=\"{kind}\"")));
        assert!(form.contains("name=\"csrf\" value=\"tok-123\""));
        let ta = &form[form.find("<textarea").unwrap()..];
        let ta = &ta[..ta.find('>').unwrap()];
        assert!(has_flag(ta, "required"), "{kind} comment is required: {ta}");
        assert!(ta.contains("name=\"comment\""));
        assert!(!has_flag(ta, "disabled"));
        assert!(form.contains(&format!("<label for=\"{kind}-comment-0\">")));
    }
}

#[test]
fn buttons_are_disabled_with_the_reason_when_the_viewer_may_not_decide() {
    // Already approved: approve disabled, deny open.
    let mut item = queue_item(1);
    item.approvals = vec![approval("officer-1")];
    let h = review_queue(&officer(), &[item]).into_string();
    check_page(&h);
    assert!(h.contains("You approved this batch already"));
    assert!(h.contains("<button type=\"submit\" class=\"\" disabled aria-describedby=\"approve-why-0\">Approve</button>"));
    assert!(h.contains("<button type=\"submit\" class=\"danger\">Deny</button>"));

    // The viewer's own agency: both disabled.
    let mut same = officer();
    same.agency = "DHS-ICE".into();
    let h = review_queue(&same, &[queue_item(1)]).into_string();
    check_page(&h);
    assert!(h.contains("separation of duties"));
    assert_eq!(
        count(&h, "disabled aria-describedby"),
        4,
        "two textareas, two buttons"
    );

    // Not an officer.
    let h = review_queue(&layout_as(Role::Auditor), &[queue_item(1)]).into_string();
    assert!(h.contains("Only a disclosure officer"));
}

#[test]
fn queue_escapes_data_and_encodes_the_path() {
    let mut item = queue_item(1);
    item.request_id = format!("a/b?{EVIL}");
    item.agency = EVIL.into();
    // Holds, reason codes and moments are typed: they cannot carry markup.
    item.rejected_sample[0].subject_ref = EVIL.into();
    item.approvals = vec![approval(EVIL)];
    let h = review_queue(&officer(), &[item]).into_string();
    check_page(&h);
    assert_escaped(&h);
    assert!(h.contains("action=\"/console/requests/a%2Fb%3F%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E%26/sign\""));
}

#[test]
fn ten_thousand_queue_items() {
    let items: Vec<QueueItem> = (0..10_000).map(queue_item).collect();
    let h = review_queue(&officer(), &items).into_string();
    check_page(&h);
    assert_eq!(count(&h, "<section class=\"queue-item\""), 10_000);
    assert_eq!(count(&h, "/sign\""), 20_000);
    assert_eq!(count(&h, "name=\"decision\" value=\"approve\""), 10_000);
    assert_eq!(count(&h, "name=\"decision\" value=\"deny\""), 10_000);
    assert_eq!(count(&h, "0 of 2 approvals"), 10_000);
}

#[test]
fn the_signing_page_shows_the_exact_statement_and_posts_the_signature() {
    let statement = "vouch-approval-v1\nrequest_id a/b?<x>\ndecision deny\n".to_string();
    let view = SignDecisionView {
        request_id: format!("a/b?{EVIL}"),
        decision: "deny",
        comment: EVIL.into(),
        at: "2026-12-05T10:00:00Z".into(),
        statement: statement.clone(),
        webauthn_options: None,
    };
    let h = sign_decision_page(&officer(), &view).into_string();
    check_page(&h);
    assert_escaped(&h);
    // The statement is shown byte for byte (escaped), so what the officer
    // signs is what the service checks.
    let pre = &h[h.find("<pre id=\"statement\"").unwrap()..];
    let pre = &pre[pre.find('>').unwrap() + 1..pre.find("</pre>").unwrap()];
    assert_eq!(
        pre,
        "vouch-approval-v1\nrequest_id a/b?&lt;x&gt;\ndecision deny\n"
    );
    let form_at = h
        .find("<form method=\"post\" action=\"/console/requests/a%2Fb%3F")
        .unwrap();
    let form = &h[form_at..form_at + h[form_at..].find("</form>").unwrap()];
    assert!(form.contains("/deny\""), "{form}");
    assert!(form.contains("name=\"csrf\" value=\"tok-123\""));
    assert!(form.contains("name=\"at\" value=\"2026-12-05T10:00:00Z\""));
    let ta = &form[form.find("<textarea").unwrap()..];
    let ta = &ta[..ta.find('>').unwrap()];
    assert!(ta.contains("name=\"signature\""));
    assert!(has_flag(ta, "required"));
    assert!(form.contains("class=\"danger\""));
    // An approval posts to /approve, with a plain button.
    let h = sign_decision_page(
        &officer(),
        &SignDecisionView {
            request_id: "REQ-1".into(),
            decision: "approve",
            comment: "ok".into(),
            at: "2026-12-05T10:00:00Z".into(),
            statement,
            webauthn_options: Some(r#"{"publicKey":{"challenge":"<x>"}}"#.into()),
        },
    )
    .into_string();
    check_page(&h);
    assert!(h.contains("action=\"/console/requests/REQ-1/approve\""));
    // With a security key: a second form whose button carries the options
    // (escaped) for the page's script, and posts the assertion.
    let at = h
        .find("<form method=\"post\" action=\"/console/requests/REQ-1/approve\" class=\"webauthn")
        .unwrap();
    let form = &h[at..at + h[at..].find("</form>").unwrap()];
    assert!(form.contains("data-webauthn=\"get\""), "{form}");
    assert!(form.contains("&lt;x&gt;") && !form.contains("<x>"));
    assert!(form.contains("name=\"credential\""));
    assert!(form.contains("name=\"csrf\" value=\"tok-123\""));
    // The signature paste form is still there.
    assert!(h.contains("<textarea id=\"signature\""));
}

#[test]
fn the_second_factor_and_enrolment_pages_carry_their_ceremonies() {
    let v = vouch_console::PendingView {
        official_id: EVIL.into(),
        csrf: "tok-123".into(),
    };
    let h = vouch_console::second_factor_page(&v, Some(r#"{"publicKey":{}}"#), Some(EVIL))
        .into_string();
    check_page(&h);
    assert_escaped(&h);
    assert!(h.contains("action=\"/console/second-factor\""));
    assert!(h.contains("data-webauthn=\"get\""));
    assert!(
        !h.contains("Signed in as"),
        "no navigation before the second factor"
    );
    let h = vouch_console::second_factor_page(&v, None, None).into_string();
    check_page(&h);
    assert!(!h.contains("data-webauthn") && h.contains("href=\"/console/enrol\""));
    let h = vouch_console::enrol_page(&v, None, None).into_string();
    check_page(&h);
    assert!(h.contains("action=\"/console/enrol/start\"") && h.contains("name=\"code\""));
    let h = vouch_console::enrol_page(&v, Some("{}"), None).into_string();
    check_page(&h);
    assert!(
        h.contains("action=\"/console/enrol/finish\"") && h.contains("data-webauthn=\"create\"")
    );
}

// ---------- requests list ----------

#[test]
fn requests_list_empty_normal_and_huge() {
    let h = requests_list(&officer(), &[]).into_string();
    check_page(&h);
    assert!(h.contains("No requests yet"));

    let rows = vec![
        RequestRow::from(&record("REQ-1", RequestStatus::PendingReview)),
        RequestRow::from(&record("REQ 2", RequestStatus::Completed)),
    ];
    let h = requests_list(&officer(), &rows).into_string();
    check_page(&h);
    assert!(h.contains("<a href=\"/console/requests/REQ-1\">REQ-1</a>"));
    assert!(h.contains("<a href=\"/console/requests/REQ%202\">REQ 2</a>"));
    assert!(h.contains("pending review"));
    assert!(h.contains("<th scope=\"col\">Agency</th>"));
    assert!(h.contains(
        "<td><time datetime=\"2026-03-01T09:00:00.000000Z\">2026-03-01 09:00:00 UTC</time></td><td><time datetime=\"2026-03-01T09:05:00.000000Z\">2026-03-01 09:05:00 UTC</time></td>"
    ));

    let mut evil = RequestRow::from(&record(EVIL, RequestStatus::Denied));
    evil.agency = EVIL.into();
    let h = requests_list(&officer(), &[evil]).into_string();
    check_page(&h);
    assert_escaped(&h);

    let rows: Vec<RequestRow> = (0..100_000)
        .map(|i| RequestRow::from(&record(&format!("REQ-{i}"), RequestStatus::Completed)))
        .collect();
    let h = requests_list(&officer(), &rows).into_string();
    check_page(&h);
    assert_eq!(count(&h, "<tr>"), 100_001);
    assert!(h.contains("Requests (100000)"));
}

// ---------- one request ----------

#[test]
fn a_running_request_has_a_progress_bar_the_script_can_poll() {
    let mut v = RequestView::new(
        record("REQ-1", RequestStatus::Approved),
        vec![
            event(AuditAction::Received, datetime!(2026-03-01 09:00 UTC)),
            event(AuditAction::Approved, datetime!(2026-03-01 10:00 UTC)),
        ],
    );
    v.progress = Some(Progress { done: 5, total: 14 });
    let h = request_page(&officer(), &v).into_string();
    check_page(&h);
    assert!(h.contains("<progress id=\"progress\" value=\"5\" max=\"14\" data-request=\"REQ-1\" data-status=\"approved\" data-poll=\"/console/requests/REQ-1/status\">"));
    assert!(h.contains("5 of 14 subjects processed"));
    assert!(h.contains("<li class=\"current\" aria-current=\"step\" data-stage=\"approved\">"));
    assert!(h.contains("data-stage=\"logged\""));
    assert!(!h.contains("Outcomes"));
    assert!(!h.contains("response.csv"));

    // Absent progress: 0 of the subject count; done is capped at total.
    v.progress = None;
    let h = request_page(&officer(), &v).into_string();
    assert!(h.contains("value=\"0\" max=\"14\""));
    v.progress = Some(Progress {
        done: 99,
        total: 14,
    });
    let h = request_page(&officer(), &v).into_string();
    assert!(h.contains("value=\"14\" max=\"14\""));
}

#[test]
fn a_completed_request_shows_outcomes_and_downloads_only_when_allowed() {
    let mut rec = record("REQ-1", RequestStatus::Completed);
    rec.completed_at = Some(datetime!(2026-03-02 11:00 UTC));
    rec.disposition_certified = Some(date!(2026 - 04 - 01));
    let mut v = RequestView::new(
        rec,
        vec![event(
            AuditAction::Responded,
            datetime!(2026-03-02 11:00 UTC),
        )],
    );
    let mut outcomes = OutcomeCounts::default();
    outcomes.add(Outcome::Confirmed, 6);
    outcomes.add(Outcome::NotConfirmed, 2);
    outcomes.add(Outcome::Rejected, 6);
    v.outcomes = Some(outcomes);
    let h = request_page(&officer(), &v).into_string();
    check_page(&h);
    assert!(!h.contains("<progress"));
    assert!(h.contains("<code>CONFIRMED</code></th><td class=\"num\">6</td>"));
    assert!(h.contains("<code>NOT_CONFIRMED</code></th><td class=\"num\">2</td>"));
    assert!(h.contains("<code>REJECTED</code></th><td class=\"num\">6</td>"));
    assert!(h.contains(
        "<dt>Completed</dt><dd><time datetime=\"2026-03-02T11:00:00.000000Z\">2026-03-02 11:00:00 UTC</time></dd>"
    ));
    assert!(h.contains(
        "<dt>Disposition certified</dt><dd><time datetime=\"2026-04-01\">2026-04-01</time></dd>"
    ));
    assert!(!h.contains("response.csv"));
    assert!(!h.contains("Explain one subject"));
    assert_eq!(count(&h, "<li class=\"done\""), 6, "every stage done");
    v.can_download = true;
    let h = request_page(&officer(), &v).into_string();
    check_page(&h);
    assert!(h.contains("href=\"/console/requests/REQ-1/response.csv\""));
}

#[test]
fn rejected_and_denied_requests_stop_their_timeline() {
    // The checks reject a request at receipt: its `received` event is the
    // moment (a refused signature of an earlier upload moves nothing).
    let t1 = datetime!(2026-03-01 09:00:01 UTC);
    let t2 = datetime!(2026-03-01 09:00:02 UTC);
    let rec = record("REQ-1", RequestStatus::Rejected);
    let st = timeline(
        &rec,
        &[
            event(AuditAction::Refused, t2),
            event(AuditAction::Received, t1),
            event(AuditAction::Downloaded, t2),
        ],
    );
    let names: Vec<_> = st.iter().map(|s| (s.name, s.state)).collect();
    assert_eq!(
        names,
        [
            ("received", StageState::Done),
            ("checked", StageState::Done),
            ("rejected", StageState::Failed)
        ]
    );
    assert_eq!(st[2].at, Some(t1));
    // Without the event, the record's `received_at`.
    let st = timeline(&rec, &[]);
    assert_eq!(st[2].at, Some(rec.received_at));

    let mut rec = record("REQ-1", RequestStatus::Denied);
    rec.denial = Some(approval("officer-2"));
    let st = timeline(&rec, &[]);
    assert_eq!(
        st.last().map(|s| (s.name, s.state, s.at)),
        Some((
            "denied",
            StageState::Failed,
            Some(datetime!(2026-03-02 10:00 UTC))
        ))
    );
    let st = timeline(&rec, &[event(AuditAction::Denied, t2)]);
    assert_eq!(st.last().and_then(|s| s.at), Some(t2));
    let h = request_page(&officer(), &RequestView::new(rec, vec![])).into_string();
    check_page(&h);
    assert!(h.contains("Denied by"));
    assert!(h.contains("No events recorded."));

    let st = timeline(&record("R", RequestStatus::PendingReview), &[]);
    let states: Vec<_> = st.iter().map(|s| s.state).collect();
    use StageState::*;
    assert_eq!(states, [Done, Done, Current, Upcoming, Upcoming, Upcoming]);
}

#[test]
fn the_stages_stand_at_the_events_vouch_writes() {
    let at = |m: i64| datetime!(2026-03-01 09:00 UTC) + time::Duration::minutes(m);
    let mut rec = record("R", RequestStatus::Completed);
    rec.approvals = vec![approval("officer-1")];
    rec.completed_at = Some(at(99));
    // The trail of an uploaded, approved, logged and answered batch whose
    // run was interrupted once, then downloaded and explained.
    let events = [
        event(AuditAction::Uploaded, at(0)),
        event(AuditAction::Received, at(1)),
        event(AuditAction::Approved, at(10)),
        event(AuditAction::Approved, at(11)),
        event(AuditAction::Resumed, at(12)),
        event(AuditAction::Logged, at(13)),
        event(AuditAction::Responded, at(14)),
        event(AuditAction::Downloaded, at(15)),
        event(AuditAction::Explained, at(16)),
        event(AuditAction::Disposed, at(17)),
    ];
    let st = timeline(&rec, &events);
    let got: Vec<_> = st.iter().map(|s| (s.name, s.state, s.at)).collect();
    use StageState::Done;
    assert_eq!(
        got,
        [
            ("received", Done, Some(at(1))),
            ("checked", Done, Some(at(1))),
            ("pending review", Done, Some(at(1))),
            ("approved", Done, Some(at(11))),
            ("logged", Done, Some(at(13))),
            ("completed", Done, Some(at(14))),
        ]
    );
    // Without a trail (an auditor-less view, a lost trail): the record's
    // own fields; nothing records when logging happened.
    let st = timeline(&rec, &[]);
    let got: Vec<_> = st.iter().map(|s| (s.name, s.at)).collect();
    assert_eq!(
        got,
        [
            ("received", Some(rec.received_at)),
            ("checked", Some(rec.received_at)),
            ("pending review", Some(rec.received_at)),
            ("approved", Some(datetime!(2026-03-02 10:00 UTC))),
            ("logged", None),
            ("completed", Some(at(99))),
        ]
    );
    // A batch still running: the stages not reached have no moment.
    rec.status = RequestStatus::Approved;
    let st = timeline(&rec, &events[..4]);
    let got: Vec<_> = st.iter().map(|s| (s.name, s.state, s.at)).collect();
    assert_eq!(
        got[3..],
        [
            ("approved", StageState::Current, Some(at(11))),
            ("logged", StageState::Upcoming, None),
            ("completed", StageState::Upcoming, None),
        ]
    );
    let h = request_page(&officer(), &RequestView::new(rec, events.to_vec())).into_string();
    check_page(&h);
    assert!(h.contains("<td>system</td><td>responded</td><td>14 subjects</td>"));
}

#[test]
fn the_waterfall_has_one_bar_per_term_and_ends_at_the_total() {
    let weights = [4.5, -1.25, 6.0, 3.0, -0.5];
    let e = explanation(-20.0, &weights);
    let total = e.total;
    let mut v = RequestView::new(record("REQ-1", RequestStatus::Completed), vec![]);
    v.can_explain = true;
    v.explain_subject = Some("S-7".into());
    v.explanation = Some(e);
    let h = request_page(&officer(), &v).into_string();
    check_page(&h);
    assert!(h.contains("<form method=\"get\" action=\"/console/requests/REQ-1\">"));
    assert!(h.contains("name=\"subject\" required"));
    assert!(h.contains("value=\"S-7\""));
    assert_eq!(count(&h, "<g class=\"term\""), weights.len());
    assert_eq!(count(&h, "<rect class=\"up\""), 3);
    assert_eq!(count(&h, "<rect class=\"down\""), 2);
    // One <title> per bar, plus the chart's, the prior's, the total's and the threshold's.
    let svg = &h[h.find("<svg class=\"waterfall\"").unwrap()..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    assert_eq!(count(svg, "<title"), weights.len() + 4);
    // The running sum after the last term is the total.
    let runs: Vec<f64> = svg
        .match_indices("<g class=\"term\"")
        .map(|(i, _)| {
            let g = &svg[i..];
            attr(&g[..g.find('>').unwrap()], "data-running")
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(runs.len(), weights.len());
    assert!((runs.last().unwrap() - total).abs() < 1e-9);
    let sum: f64 = attr(svg, "data-sum").unwrap().parse().unwrap();
    assert!((sum - total).abs() < 1e-9);
    assert!(!h.contains("The terms add up to"));
    // The table fallback has a row per term plus prior, total, threshold.
    let table = &h[h.find("<table class=\"explain\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(count(table, "<th scope=\"row\">"), weights.len() + 3);
    assert!(table.contains("−1.25"));
}

#[test]
fn explanations_stay_hidden_without_permission_and_mismatches_are_flagged() {
    let mut v = RequestView::new(record("REQ-1", RequestStatus::Completed), vec![]);
    v.explanation = Some(explanation(-20.0, &[1.0]));
    let h = request_page(&officer(), &v).into_string();
    check_page(&h);
    assert!(!h.contains("waterfall"));
    assert!(!h.contains("name=\"subject\""));

    v.can_explain = true;
    let mut e = explanation(-20.0, &[1.0, 2.0]);
    e.total = 0.0;
    e.terms[0].field = EVIL.into();
    e.terms[0].level = EVIL.into();
    e.subject_ref = EVIL.into();
    v.explanation = Some(e);
    v.explain_message = Some(EVIL.into());
    let h = request_page(&officer(), &v).into_string();
    check_page(&h);
    assert_escaped(&h);
    assert!(h.contains("The terms add up to"));

    // Many terms, non-finite weights: still one bar each, drawn finite.
    let mut e = explanation(-20.0, &vec![0.75; 200]);
    e.terms[3].weight = f64::NAN;
    e.total = -20.0 + 0.75 * 199.0;
    v.explanation = Some(e);
    v.explain_message = None;
    let h = request_page(&officer(), &v).into_string();
    check_page(&h);
    assert_eq!(count(&h, "<g class=\"term\""), 200);
    assert!(!h.contains("NaN") && !h.contains("=\"inf") && !h.contains("=\"-inf"));
    assert!(!h.contains("The terms add up to"));

    // No terms at all.
    v.explanation = Some(explanation(-3.0, &[]));
    let h = request_page(&officer(), &v).into_string();
    check_page(&h);
    assert_eq!(count(&h, "<g class=\"term\""), 0);
}

#[test]
fn request_page_escapes_records_and_events() {
    let mut rec = record(EVIL, RequestStatus::Logged);
    rec.agency = EVIL.into();
    // Holds, reason codes, actions and moments are typed: no markup fits.
    rec.holds = vec![HoldCode::RecipientCaseload, HoldCode::LargeBatch];
    rec.request_reasons = vec![ReasonCode::SignatureInvalid, ReasonCode::PeriodsInvalid];
    rec.approvals = vec![approval(EVIL)];
    let ev = AuditEvent {
        at: datetime!(2026-03-01 09:00 UTC),
        actor: EVIL.into(),
        action: AuditAction::Received,
        detail: EVIL.into(),
    };
    let v = RequestView::new(rec, vec![ev]);
    let h = request_page(&officer(), &v).into_string();
    check_page(&h);
    assert_escaped(&h);
    assert!(h.contains(
        "data-poll=\"/console/requests/%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E%26/status\""
    ));
    assert!(h.contains("<dd>SIGNATURE_INVALID, PERIODS_INVALID</dd>"));
    assert!(h.contains("<dd>RECIPIENT_CASELOAD, LARGE_BATCH</dd>"));
}

#[test]
fn a_request_with_a_long_audit_trail() {
    let events: Vec<AuditEvent> = (0..50_000)
        .map(|i| {
            event(
                AuditAction::Downloaded,
                datetime!(2026-03-01 09:00 UTC) + time::Duration::seconds(i),
            )
        })
        .collect();
    let h = request_page(
        &officer(),
        &RequestView::new(record("R", RequestStatus::Completed), events),
    )
    .into_string();
    check_page(&h);
    assert!(h.contains("50000 events"));
}

// ---------- ledger ----------

fn proof(n: usize) -> ProofView {
    ProofView {
        leaf_index: 5,
        tree_size: 8,
        leaf_hash: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=".into(),
        proof: (0..n).map(|i| format!("{i:0>43}=")).collect(),
        root_hash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
    }
}

#[test]
fn ledger_page_empty_and_with_a_checkpoint_and_a_proof() {
    let h = ledger_page(&officer(), &LedgerView::default()).into_string();
    check_page(&h);
    assert!(h.contains("The ledger is empty"));
    assert!(h.contains("<form method=\"get\" action=\"/console/ledger\">"));
    assert!(h.contains("name=\"request\"") && h.contains("name=\"subject\""));
    assert!(!h.contains("proof-check"));

    let v = LedgerView {
        checkpoint: Some(CheckpointView {
            note: "vouch.example/log\n8\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— vouch abc=\n".into(),
            tree_size: 8,
            root_hash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
            signature_verified: true,
        }),
        lookup_request: Some("REQ-1".into()),
        lookup_subject: Some("S-1".into()),
        lookup_message: None,
        proof: Some(proof(3)),
        witnesses: vec![
            WitnessView {
                name: "tigta.example/witness".into(),
                url: "https://tigta.example/w".into(),
                last_size: Some(8),
                last_time: Some("2026-12-06T10:00:00Z".into()),
            },
            WitnessView {
                name: "jct.example/witness".into(),
                url: "https://jct.example/w".into(),
                last_size: None,
                last_time: None,
            },
        ],
        witness_quorum: 2,
    };
    let h = ledger_page(&officer(), &v).into_string();
    check_page(&h);
    assert!(h.contains("<pre aria-label=\"Signed checkpoint note\">vouch.example/log\n8\n"));
    assert!(h.contains("data-verified=\"true\""));
    assert!(h.contains("data-leaf-index=\"5\" data-tree-size=\"8\""));
    assert!(h.contains("data-root-hash=\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\""));
    let p = serde_json::to_string(&proof(3).proof)
        .unwrap()
        .replace('"', "&quot;");
    assert!(h.contains(&format!("data-proof=\"{p}\"")));
    assert!(h.contains(
        "<button type=\"button\" id=\"proof-check\" hidden>Check in this browser</button>"
    ));
    assert!(h.contains("id=\"proof-result\""));
    assert!(h.contains("yes: this root is the signed checkpoint"));
    assert!(h.contains("value=\"REQ-1\"") && h.contains("value=\"S-1\""));
    // The witnesses: each one's last cosigned size, and whether that is
    // the latest checkpoint; the quorum.
    assert!(h.contains("<code>tigta.example/witness</code>"));
    assert!(
        h.contains("<td>8</td><td>2026-12-06T10:00:00Z</td><td>yes</td>"),
        "{h}"
    );
    assert!(h.contains("<td>never</td><td>—</td><td>no</td>"), "{h}");
    assert!(h.contains("only once 2 of these oversight witnesses"));

    let mut v = v;
    if let Some(c) = v.checkpoint.as_mut() {
        c.signature_verified = false;
        c.note = EVIL.into();
    }
    v.lookup_request = Some(EVIL.into());
    v.lookup_message = Some(EVIL.into());
    v.proof = Some(ProofView {
        leaf_hash: EVIL.into(),
        ..proof(64)
    });
    let h = ledger_page(&officer(), &v).into_string();
    check_page(&h);
    assert_escaped(&h);
    assert!(h.contains("data-verified=\"false\""));
    assert_eq!(count(&h, "<li><code>"), 64);
}

// ---------- oversight and accounting ----------

#[test]
fn oversight_page_empty_normal_and_ten_years_of_weeks() {
    let h = oversight_page(&officer(), &OversightView::default()).into_string();
    check_page(&h);
    assert!(h.contains("No activity recorded."));
    assert!(h.contains("None: every response past its retention date"));
    assert!(h.contains("href=\"/console/oversight/accounting.csv\""));
    assert!(h.contains("href=\"/console/oversight/accounting\""));

    let v = OversightView {
        weeks: (0..520).map(week).collect(),
        rejection_reasons: vec![ReasonCount {
            code: ReasonCode::RepeatInquiry,
            count: 12,
        }],
        officials: vec![OfficialActivity {
            signer: "signer-1".into(),
            agency: "DHS-ICE".into(),
            requests: 3,
            subjects: 42,
        }],
        ai_notices: vec![
            AiNotices {
                agency: "DHS-ICE".into(),
                notifications: vec!["2026-01-05 triage model".into()],
            },
            AiNotices {
                agency: "DOJ-FBI".into(),
                notifications: vec![],
            },
        ],
        overdue: vec![OverdueDisposition {
            request_id: "REQ-1".into(),
            agency: "DHS-ICE".into(),
            completed_at: Some(datetime!(2026-01-02 00:00 UTC)),
            due: Some(date!(2026 - 04 - 02)),
        }],
        reason_weeks: (0..520)
            .map(|i| ReasonWeek {
                week: week(i).week,
                counts: vec![
                    ReasonCount {
                        code: ReasonCode::RepeatInquiry,
                        count: i as u64,
                    },
                    ReasonCount {
                        code: ReasonCode::NameMissing,
                        count: 1,
                    },
                ],
            })
            .collect(),
        unrecognised_reasons: vec![],
        withdrawn: 0,
    };
    let h = oversight_page(&officer(), &v).into_string();
    check_page(&h);
    assert_eq!(
        count(&h, "<th scope=\"row\">2016-W01</th>"),
        3,
        "the three weekly tables"
    );
    // The trend: the most frequent code as a column, the rest as "Other".
    assert!(h.contains("<th scope=\"col\" class=\"num\"><code>REPEAT_INQUIRY</code></th>"));
    assert!(h.contains("<th scope=\"col\" class=\"num\">Other</th>"));
    assert!(h.contains(&format!(
        "<th scope=\"row\">{}</th><td class=\"num\">519</td><td class=\"num\">1</td>",
        week(519).week
    )));
    assert!(h.contains("520 weeks"));
    assert!(h.contains("<th scope=\"row\">signer-1</th><td>DHS-ICE</td><td class=\"num\">3</td><td class=\"num\">42</td>"));
    assert!(h.contains("none on file"));
    assert!(h.contains("2026-01-05 triage model"));
    assert!(h.contains("1 responses</strong> are past their retention date"));
    assert!(h.contains("<a href=\"/console/requests/REQ-1\">REQ-1</a>"));
    assert!(h.contains("<td><time datetime=\"2026-01-02T00:00:00.000000Z\">2026-01-02 00:00:00 UTC</time></td><td><time datetime=\"2026-04-02\">2026-04-02</time></td>"));
    assert!(!h.contains("does not know"));
    // Each weekly row has its numbers as text and three bars.
    assert_eq!(count(&h, "<rect class=\"confirmed\""), 520);

    let mut v = v;
    v.weeks[0].week = EVIL.into();
    v.officials[0].signer = EVIL.into();
    v.ai_notices[0].notifications = vec![EVIL.into()];
    v.overdue[0].agency = EVIL.into();
    // A reason code is typed; one this build does not know comes as text.
    v.unrecognised_reasons = vec![(EVIL.into(), 7)];
    let h = oversight_page(&officer(), &v).into_string();
    check_page(&h);
    assert_escaped(&h);
    assert!(h.contains("does not know"));
    assert!(h.contains("&lt;/script&gt;&amp;</code> 7."));

    // Unknown codes alone: no table, but no "nothing rejected" either.
    let v = OversightView {
        unrecognised_reasons: vec![("SOMETHING_NEWER".into(), 3)],
        ..OversightView::default()
    };
    let h = oversight_page(&officer(), &v).into_string();
    check_page(&h);
    assert!(!h.contains("No subject was rejected."));
    assert!(h.contains("<code>SOMETHING_NEWER</code> 3."));

    // A completed record without its completion time: "unknown", not blank.
    let v = OversightView {
        overdue: vec![OverdueDisposition {
            request_id: "REQ-9".into(),
            agency: "DHS-ICE".into(),
            completed_at: None,
            due: None,
        }],
        ..OversightView::default()
    };
    let h = oversight_page(&officer(), &v).into_string();
    check_page(&h);
    assert!(h.contains("<td>DHS-ICE</td><td>unknown</td><td>unknown</td>"));
}

/// The `<h2>` headings of a page, in order.
fn headings(h: &str) -> Vec<&str> {
    h.match_indices("<h2>")
        .map(|(i, _)| {
            let rest = &h[i + 4..];
            &rest[..rest.find("</h2>").unwrap()]
        })
        .collect()
}

#[test]
fn oversight_sections_come_in_order_each_with_its_table() {
    let v = OversightView {
        weeks: vec![week(1)],
        rejection_reasons: vec![ReasonCount {
            code: ReasonCode::DobInvalid,
            count: 4,
        }],
        officials: vec![OfficialActivity {
            signer: "signer-1".into(),
            agency: "DHS-ICE".into(),
            requests: 1,
            subjects: 4,
        }],
        ai_notices: vec![AiNotices {
            agency: "DHS-ICE".into(),
            notifications: vec![],
        }],
        overdue: vec![],
        reason_weeks: vec![ReasonWeek {
            week: week(1).week,
            counts: vec![ReasonCount {
                code: ReasonCode::DobInvalid,
                count: 4,
            }],
        }],
        unrecognised_reasons: vec![],
        withdrawn: 3,
    };
    let h = oversight_page(&officer(), &v).into_string();
    check_page(&h);
    assert!(h.contains("<strong>3 disclosures</strong> were withdrawn"));
    assert_eq!(
        headings(&h),
        [
            "Lookups and requests per week",
            "Outcomes per week",
            "Rejection reasons",
            "Rejection reasons per week",
            "Activity per requesting official",
            "AI-use notifications on file",
            "Responses past retention without a disposition certificate",
            "Withdrawn disclosures",
        ]
    );
    // The accounting links come first, before any section.
    assert!(h.find("accounting.csv").unwrap() < h.find("<h2>").unwrap());
    for class in [
        "weeks",
        "outcomes",
        "chart",
        "reason-weeks",
        "officials",
        "ai",
    ] {
        assert_eq!(
            count(&h, &format!("<table class=\"{class}\">")),
            1,
            "{class}"
        );
    }
    assert!(h.contains("<caption>Subjects rejected per reason code</caption>"));
    assert!(h.contains("<th scope=\"row\"><code>DOB_INVALID</code></th><td class=\"num\">4</td>"));
    // No "Other" column when the shown codes account for every rejection.
    assert!(!h.contains(">Other<"));
    assert!(!h.contains("other codes together"));
}

#[test]
fn iso_weeks_and_overdue_dispositions() {
    assert_eq!(iso_week(datetime!(2026-01-01 12:00 UTC)), "2026-W01");
    assert_eq!(iso_week(datetime!(2027-01-01 00:00 UTC)), "2026-W53");
    // The week of the moment in UTC: Monday 01:00 at +02:00 is still Sunday.
    assert_eq!(iso_week(datetime!(2026-01-05 01:00 +02:00)), "2026-W01");
    assert_eq!(iso_week(datetime!(2026-01-05 01:00 UTC)), "2026-W02");

    let today = date!(2026 - 06 - 01);
    let mut late = record("LATE", RequestStatus::Completed);
    late.completed_at = Some(datetime!(2026-01-02 10:00 UTC));
    let mut certified = late.clone();
    certified.request_id = "CERT".into();
    certified.disposition_certified = Some(date!(2026 - 03 - 01));
    let mut recent = late.clone();
    recent.request_id = "RECENT".into();
    recent.completed_at = Some(datetime!(2026-05-01 10:00 UTC));
    let mut broken = late.clone();
    broken.request_id = "BROKEN".into();
    broken.completed_at = None;
    let pending = record("PENDING", RequestStatus::PendingReview);
    let o = overdue_dispositions(&[late, certified, recent, broken, pending], 90, today);
    let ids: Vec<_> = o
        .iter()
        .map(|d| (d.request_id.as_str(), d.completed_at, d.due))
        .collect();
    assert_eq!(
        ids,
        [
            (
                "LATE",
                Some(datetime!(2026-01-02 10:00 UTC)),
                Some(date!(2026 - 04 - 02))
            ),
            ("BROKEN", None, None)
        ]
    );
}

#[test]
fn accounting_csv_has_the_header_and_one_row_per_request_and_round_trips() {
    let empty = accounting_csv(&[]).unwrap();
    assert_eq!(empty, format!("{}\n", ACCOUNTING_HEADER.join(",")));

    let mut rows: Vec<AccountingRow> = (0..1000).map(accounting_row).collect();
    rows[1].request_id = "with, comma \"and quotes\"\nand newline".into();
    let text = accounting_csv(&rows).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, ACCOUNTING_HEADER);
    let back: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(back.len(), rows.len());
    for (r, b) in rows.iter().zip(&back) {
        assert_eq!(&b[0], r.request_id);
        assert_eq!(&b[1], r.agency);
        assert_eq!(&b[2], r.signers.join("; "));
        assert_eq!(&b[3], "2026-03-02T11:00:00.000000Z");
        assert_eq!(b[4].parse::<u64>().unwrap(), r.subjects);
        assert_eq!(b[5].parse::<u64>().unwrap(), r.confirmed);
        assert_eq!(b[6].parse::<u64>().unwrap(), r.not_confirmed);
        assert_eq!(b[7].parse::<u64>().unwrap(), r.rejected);
        assert_eq!(&b[8], "26 U.S.C. 6103(i)(2)");
        assert_eq!(&b[9], "officer-1; officer-2");
        assert_eq!(&b[10], r.policy_version);
        assert_eq!(b[11].parse::<u64>().unwrap(), r.withdrawn);
    }
    assert!(
        back.iter().any(|b| &b[11] == "1"),
        "withdrawn disclosures are counted"
    );
}

#[test]
fn accounting_csv_neutralises_spreadsheet_formulas() {
    let mut r = accounting_row(0);
    r.request_id = "=HYPERLINK(\"x\")".into();
    r.agency = "+1".into();
    r.signers = vec!["@sum".into()];
    let text = accounting_csv(&[r]).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let b = rd.records().next().unwrap().unwrap();
    assert_eq!(&b[0], "'=HYPERLINK(\"x\")");
    assert_eq!(&b[1], "'+1");
    assert_eq!(&b[2], "'@sum");
}

#[test]
fn accounting_without_a_disclosure_time_says_so() {
    let mut r = accounting_row(0);
    r.disclosed_at = None;
    let text = accounting_csv(std::slice::from_ref(&r)).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let b = rd.records().next().unwrap().unwrap();
    assert_eq!(&b[3], "");
    let h = accounting_page(&officer(), &[r]).into_string();
    check_page(&h);
    assert!(h.contains("<td>signer-1</td><td>unknown</td>"));
}

#[test]
fn accounting_page_is_printable_and_escaped() {
    let h = accounting_page(&layout_as(Role::Auditor), &[]).into_string();
    check_page(&h);
    assert!(h.contains("No disclosures to account for."));

    let rows: Vec<AccountingRow> = (0..20_000).map(accounting_row).collect();
    let h = accounting_page(&layout_as(Role::Auditor), &rows).into_string();
    check_page(&h);
    assert_eq!(count(&h, "<td>26 U.S.C. 6103(i)(2)</td>"), 20_000);
    assert!(h.contains("20000 requests released, 280000 subjects"));

    let mut r = accounting_row(0);
    r.request_id = EVIL.into();
    r.approving_officers = vec![EVIL.into()];
    let h = accounting_page(&officer(), &[r]).into_string();
    check_page(&h);
    assert_escaped(&h);
    assert!(STYLE_CSS.contains("@media print"));
}

// ---------- static assets ----------

#[test]
fn the_stylesheet_is_self_contained_with_visible_focus() {
    assert!(!STYLE_CSS.contains("http://") && !STYLE_CSS.contains("https://"));
    assert!(!STYLE_CSS.contains("@import") && !STYLE_CSS.contains("url("));
    assert!(STYLE_CSS.contains(":focus-visible"));
    assert!(STYLE_CSS.contains("outline: 3px solid"));
    assert_eq!(count(STYLE_CSS, "{"), count(STYLE_CSS, "}"));
}

#[test]
fn the_script_carries_the_rfc9162_inclusion_check_and_tolerant_polling() {
    let js = CONSOLE_JS;
    assert!(!js.contains("http://") && !js.contains("https://"));
    for piece in [
        "crypto.subtle.digest('SHA-256'",
        "buf[0] = 0x01",
        "var sn = treeSize - 1n",
        "(fn & 1n) === 1n || fn === sn",
        "r = await nodeHash(p, r)",
        "while ((fn & 1n) === 0n && fn !== 0n)",
        "r = await nodeHash(r, p)",
        "fn >>= 1n",
        "sn >>= 1n",
        "if (sn !== 0n)",
        "sameBytes(r, root)",
        "'verified in browser: root matches'",
        "'MISMATCH'",
        "setAttribute('data-verified'",
        "getElementById('proof-result')",
        "getElementById('proof-data')",
        "data-leaf-index",
        "data-tree-size",
        "data-leaf-hash",
        "data-root-hash",
        "data-proof",
        "[data-poll]",
        "2000",
        "p.done",
        "p.total",
    ] {
        assert!(js.contains(piece), "the script lacks {piece}");
    }
    let opens = count(js, "{") + count(js, "(") + count(js, "[");
    let closes = count(js, "}") + count(js, ")") + count(js, "]");
    assert_eq!(opens, closes, "unbalanced brackets");
}

/// Runs the script's proof check under Node.js (with a stub DOM and Node's
/// WebCrypto) against the transparency-dev inclusion vectors vendored in
/// `crates/ledger/tests/data/transparency-dev/inclusion`. Skipped, saying so,
/// when Node is absent; fails when the vectors are missing.
#[test]
fn the_script_verifies_the_transparency_dev_inclusion_vectors_under_node() {
    /// Cases in the vendored `inclusion` folder (see its README).
    const INCLUSION_CASES: usize = 98;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ledger/tests/data/transparency-dev/inclusion");
    assert!(
        dir.is_dir(),
        "the vendored inclusion vectors are missing: no folder {}",
        dir.display()
    );
    let harness = format!(
        r#"
const fs = require('fs'), path = require('path');
globalThis.window = globalThis;
const els = {{}};
globalThis.document = {{
  readyState: 'complete',
  getElementById: (id) => els[id] || null,
  querySelector: () => null,
}};
function load() {{ {js} }}
async function check(v) {{
  const attrs = {{
    'data-leaf-index': String(v.leafIdx), 'data-tree-size': String(v.treeSize),
    'data-leaf-hash': v.leafHash || '', 'data-root-hash': v.root || '',
    'data-proof': JSON.stringify(v.proof || []),
  }};
  els['proof-data'] = {{ getAttribute: (k) => (k in attrs ? attrs[k] : null) }};
  els['proof-check'] = {{ hidden: true, addEventListener(t, f) {{ this.h = f; }} }};
  const out = {{ textContent: '', a: {{}}, setAttribute(k, x) {{ this.a[k] = x; }}, removeAttribute(k) {{ delete this.a[k]; }} }};
  els['proof-result'] = out;
  els['proof-detail'] = {{ textContent: '' }};
  load();
  if (els['proof-check'].hidden) throw new Error('button not shown');
  els['proof-check'].h();
  for (let i = 0; i < 1000 && !('data-verified' in out.a); i++) await new Promise((r) => setTimeout(r, 1));
  return out;
}}
(async () => {{
  const root = process.argv[2];
  let n = 0, bad = [];
  const files = [];
  (function walk(d) {{
    for (const e of fs.readdirSync(d, {{ withFileTypes: true }})) {{
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else if (e.name.endsWith('.json')) files.push(p);
    }}
  }})(root);
  for (const f of files) {{
    const v = JSON.parse(fs.readFileSync(f, 'utf8'));
    const out = await check(v);
    const ok = out.a['data-verified'] === 'true';
    const text = ok ? 'verified in browser: root matches' : 'MISMATCH';
    if (ok === v.wantErr || out.textContent !== text) bad.push(f + ': ' + out.textContent + ' ' + els['proof-detail'].textContent);
    n++;
  }}
  console.log('vectors ' + n);
  if (bad.length) {{ console.log(bad.join('\n')); process.exit(1); }}
}})().catch((e) => {{ console.log('error ' + e); process.exit(2); }});
"#,
        js = CONSOLE_JS
    );
    let child = std::process::Command::new("node")
        .arg("-")
        .arg(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("skipped: node not available ({e})");
            return;
        }
    };
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(harness.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "node: {stdout}\n{stderr}");
    let n: usize = stdout
        .lines()
        .find_map(|l| l.strip_prefix("vectors "))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    assert_eq!(n, INCLUSION_CASES, "vectors run under node: {stdout}");
}

// ---------- officials (administrator) ----------

fn official_row(i: usize) -> OfficialRow {
    OfficialRow {
        record: vouch_store::OfficialRecord {
            id: format!("official-{i}"),
            agency: "IRS".into(),
            role: Role::Auditor,
            public_key: None,
            registered_at: datetime!(2026-01-01 00:00 UTC),
        },
        tokens: vec![
            TokenRow {
                token_id: format!("{i:016x}"),
                issued_at: datetime!(2026-01-01 00:00 UTC),
                expires_at: Some(datetime!(2026-04-01 00:00 UTC)),
                revoked_at: None,
                live: true,
            },
            TokenRow {
                token_id: format!("{:016x}", i + 1_000_000),
                issued_at: datetime!(2026-01-01 00:00 UTC),
                expires_at: None,
                revoked_at: Some(datetime!(2026-02-01 00:00 UTC)),
                live: false,
            },
        ],
    }
}

#[test]
fn officials_page_empty_normal_large_and_the_token_shown_once() {
    let admin = layout_as(Role::Administrator);
    let h = officials_page(&admin, &OfficialsView::default()).into_string();
    check_page(&h);
    assert!(h.contains("No official is registered."));
    assert!(h.contains("action=\"/console/officials\""));
    assert!(h.contains("<a href=\"/console/officials\" aria-current=\"page\">Officials</a>"));
    assert!(
        !h.contains("/console/review"),
        "an administrator has no review queue"
    );

    let mut v = OfficialsView {
        officials: (0..3).map(official_row).collect(),
        ..OfficialsView::default()
    };
    let h = officials_page(&admin, &v).into_string();
    check_page(&h);
    // One revoke form per live token, one issue form per official.
    assert_eq!(count(&h, "/revoke\""), 3);
    assert_eq!(count(&h, "/tokens\""), 3);
    assert!(h.contains(
        "revoked <time datetime=\"2026-02-01T00:00:00.000000Z\">2026-02-01 00:00:00 UTC</time>"
    ));
    assert!(h.contains(
        "live, expires <time datetime=\"2026-04-01T00:00:00.000000Z\">2026-04-01 00:00:00 UTC</time>"
    ));
    assert!(h.contains(
        "<td><time datetime=\"2026-01-01T00:00:00.000000Z\">2026-01-01 00:00:00 UTC</time></td>"
    ));
    assert!(
        !h.contains("copy it now"),
        "no token shown unless one was just issued"
    );

    v.new_token = Some(NewToken {
        official: "official-1".into(),
        token: "T0KEN-shown-once".into(),
        token_id: "0123456789abcdef".into(),
        expires_at: Some(datetime!(2026-04-01 00:00 UTC)),
    });
    let h = officials_page(&admin, &v).into_string();
    check_page(&h);
    assert_eq!(count(&h, "T0KEN-shown-once"), 1);
    assert!(h.contains(
        "; it expires <time datetime=\"2026-04-01T00:00:00.000000Z\">2026-04-01 00:00:00 UTC</time>."
    ));

    v.officials[0].record.id = EVIL.into();
    v.officials[0].record.agency = EVIL.into();
    v.new_token.as_mut().unwrap().token = EVIL.into();
    let h = officials_page(&admin, &v).into_string();
    check_page(&h);
    assert_escaped(&h);

    let big = OfficialsView {
        officials: (0..5_000).map(official_row).collect(),
        ..OfficialsView::default()
    };
    let h = officials_page(&admin, &big).into_string();
    check_page(&h);
    assert_eq!(count(&h, "/revoke\""), 5_000);
}

#[test]
fn each_role_sees_only_its_sections() {
    let nav = |role| {
        let h = error_page(Some(&layout_as(role)), 404, "x").into_string();
        [
            "/console/review",
            "/console/requests",
            "/console/ledger",
            "/console/oversight",
            "/console/officials",
        ]
        .into_iter()
        .filter(|p| h.contains(&format!("href=\"{p}\"")))
        .collect::<Vec<_>>()
    };
    assert_eq!(nav(Role::Recipient), ["/console/requests"]);
    assert_eq!(nav(Role::Signer), ["/console/requests"]);
    assert_eq!(
        nav(Role::Auditor),
        ["/console/requests", "/console/ledger", "/console/oversight"]
    );
    assert_eq!(
        nav(Role::DisclosureOfficer),
        [
            "/console/review",
            "/console/requests",
            "/console/ledger",
            "/console/oversight"
        ]
    );
    assert_eq!(nav(Role::Administrator), ["/console/officials"]);
}

#[test]
fn the_registry_confirmation_page_shows_the_exact_statement_and_posts_the_signature() {
    let view = vouch_console::SignChangeView {
        change_id: "0123abcd".into(),
        summary: "official irs-aud-7 (IRS, auditor)".into(),
        proposed_by: "irs-admin-1".into(),
        at: "2026-12-06T03:00:00Z".into(),
        statement: "vouch-registry-v1\nchange 0123abcd\n".into(),
    };
    let h = vouch_console::sign_change_page(&layout_as(Role::Administrator), &view).into_string();
    assert!(h.contains("<pre id=\"statement\" aria-label=\"Statement to sign\">vouch-registry-v1\nchange 0123abcd\n</pre>"), "{h}");
    assert!(h.contains("action=\"/console/registry/0123abcd/confirm\""));
    assert!(h.contains("name=\"at\" value=\"2026-12-06T03:00:00Z\""));
    assert!(h.contains("textarea id=\"signature\" name=\"signature\" required"));
    assert!(h.contains("irs-admin-1"));
}

#[test]
fn a_court_order_in_force_shows_a_banner_on_every_page_and_the_orders_page_lists_it() {
    let mut l = officer();
    l.banners = vec![
        "DDC-25-cv-1234 (D.D.C.) halts disclosures to agency:<DHS-ICE> since 2025-11-21".into(),
    ];
    let order = OrderView {
        id: "DDC-25-cv-1234".into(),
        court: "U.S. District Court for the District of Columbia".into(),
        effect: "halt".into(),
        scope: "agency:DHS-ICE".into(),
        date: time::macros::date!(2025 - 11 - 21),
        lifted: None,
        in_force: true,
        document_sha256: "ab".repeat(32),
    };
    let orders = orders_page(&l, &[order]).into_string();
    let queue = review_queue(&l, &[]).into_string();
    for h in [&orders, &queue] {
        assert!(h.contains("class=\"banner\" role=\"alert\""), "{h}");
        assert!(h.contains("agency:&lt;DHS-ICE&gt;"), "escaped");
    }
    assert!(orders.contains("<th scope=\"row\">DDC-25-cv-1234</th>"));
    assert!(orders.contains("/console/orders/DDC-25-cv-1234/document"));
    assert!(orders.contains("<strong>in force</strong>"));
    // Without an order in force, no banner.
    assert!(!review_queue(&officer(), &[])
        .into_string()
        .contains("class=\"banner\""));
    // Auditors and administrators find the page in their navigation.
    for role in [Role::Auditor, Role::Administrator, Role::DisclosureOfficer] {
        let h = orders_page(&layout_as(role), &[]).into_string();
        assert!(h.contains("href=\"/console/orders\""), "{role:?}");
    }
}
