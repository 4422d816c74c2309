//! The frame every page shares, the sign-in page and the error page.

use maud::{html, Markup, DOCTYPE};
use time::{Date, OffsetDateTime, UtcOffset};
use vouch_core::timestamp;
use vouch_store::{OfficialRecord, Role};

use crate::assets::{SCRIPT_PATH, STYLE_PATH};

/// Who is looking at the page: the signed-in official and the session's
/// anti-forgery token. Every page of a session is framed with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The official's registry id (shown in the header).
    pub official_id: String,
    /// The agency the official acts for (separation of duties: an officer
    /// never approves a batch of the own agency).
    pub agency: String,
    /// The official's role; it decides the navigation.
    pub role: Role,
    /// The session's CSRF token, put in a hidden `csrf` field of every form
    /// that posts (sign out, approve, deny).
    pub csrf: String,
    /// Alerts shown at the top of every page while they hold (a court
    /// order halting disclosures, an incident past its 24-hour reporting
    /// deadline), one sentence each.
    pub banners: Vec<String>,
}

impl Layout {
    /// The frame for a registered official.
    pub fn for_official(official: &OfficialRecord, csrf: impl Into<String>) -> Layout {
        Layout {
            official_id: official.id.clone(),
            agency: official.agency.clone(),
            role: official.role,
            csrf: csrf.into(),
            banners: Vec::new(),
        }
    }
}

/// The sections of the console, as the navigation lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    ReviewQueue,
    Requests,
    Ledger,
    Oversight,
    Officials,
    Orders,
}

impl Section {
    fn href(self) -> &'static str {
        match self {
            Section::ReviewQueue => "/console/review",
            Section::Requests => "/console/requests",
            Section::Ledger => "/console/ledger",
            Section::Oversight => "/console/oversight",
            Section::Officials => "/console/officials",
            Section::Orders => "/console/orders",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Section::ReviewQueue => "Review queue",
            Section::Requests => "Requests",
            Section::Ledger => "Ledger",
            Section::Oversight => "Oversight",
            Section::Officials => "Officials",
            Section::Orders => "Court orders",
        }
    }
}

/// The sections a role sees, in navigation order: requesters their
/// agency's requests; officers and auditors the requests, the ledger and
/// oversight (officers also the review queue); administrators the registry.
pub(crate) fn sections_for(role: Role) -> Vec<Section> {
    match role {
        Role::Signer | Role::Recipient => vec![Section::Requests],
        Role::DisclosureOfficer => vec![
            Section::ReviewQueue,
            Section::Requests,
            Section::Ledger,
            Section::Oversight,
            Section::Orders,
        ],
        Role::Auditor => vec![
            Section::Requests,
            Section::Ledger,
            Section::Oversight,
            Section::Orders,
        ],
        Role::Administrator => vec![Section::Officials, Section::Orders],
    }
}

/// A role as people say it.
pub(crate) fn role_label(role: Role) -> &'static str {
    match role {
        Role::Signer => "signer",
        Role::Recipient => "recipient",
        Role::DisclosureOfficer => "disclosure officer",
        Role::Auditor => "auditor",
        Role::Administrator => "administrator",
    }
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved
/// characters), so a request id can never leave its segment of a URL.
pub(crate) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

/// The whole document: head, header with navigation, one `<h1>`, `<main id="main">`.
pub(crate) fn page(
    layout: Option<&Layout>,
    current: Option<Section>,
    title: &str,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · vouch console" }
                link rel="stylesheet" href=(STYLE_PATH);
                script src=(SCRIPT_PATH) defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to main content" }
                header class="top" {
                    span class="brand" { "vouch console" }
                    @if let Some(l) = layout {
                        nav aria-label="Console sections" {
                            ul {
                                @for s in sections_for(l.role) {
                                    li {
                                        a href=(s.href()) aria-current=[(current == Some(s)).then_some("page")] { (s.label()) }
                                    }
                                }
                            }
                        }
                        div class="who" {
                            span {
                                "Signed in as "
                                strong { (l.official_id) }
                                " (" (role_label(l.role)) ", " (l.agency) ")"
                            }
                            form method="post" action="/console/sign-out" {
                                input type="hidden" name="csrf" value=(l.csrf);
                                button type="submit" class="secondary" { "Sign out" }
                            }
                        }
                    }
                }
                @if let Some(l) = layout {
                    @for b in &l.banners {
                        div class="banner" role="alert" { (b) }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer {
                    "Disclosure of federal tax information under 26 U.S.C. 6103. Every lookup is recorded."
                }
            }
        }
    }
}

/// The sign-in page: a form posting `token` (and the hidden `csrf`) to
/// `/console/sign-in`. `error` is shown above the form (keep it generic:
/// never say whether an official exists).
pub fn sign_in(error: Option<&str>, csrf: &str) -> Markup {
    let body = html! {
        @if let Some(e) = error {
            p class="error" role="alert" { (e) }
        }
        p { "Sign in with the access token issued to you. The token is personal; every action is recorded under your id." }
        form method="post" action="/console/sign-in" {
            input type="hidden" name="csrf" value=(csrf);
            label for="token" { "Access token" }
            input type="password" id="token" name="token" required autocomplete="current-password" spellcheck="false";
            p { button type="submit" { "Sign in" } }
        }
    };
    page(None, None, "Sign in", body)
}

/// The standard reason phrase of a status code, as a generic heading.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad request",
        401 => "Not signed in",
        403 => "Not allowed",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        413 => "Too large",
        422 => "Cannot process",
        429 => "Too many requests",
        500..=599 => "Something went wrong",
        _ => "Error",
    }
}

/// An error page. `message` should be generic (it is escaped, but it is
/// shown to whoever asked); the heading is the status's reason phrase.
/// Without a `layout` (not signed in) the page has no navigation.
pub fn error_page(layout: Option<&Layout>, status: u16, message: &str) -> Markup {
    let title = reason_phrase(status);
    let body = html! {
        p class="error" role="alert" { (message) }
        p class="muted" { "Status " (status) "." }
        p {
            @if layout.is_some() {
                a href="/console" { "Back to the console" }
            } @else {
                a href="/console/sign-in" { "Sign in" }
            }
        }
    };
    page(layout, None, title, body)
}

/// A moment as a `<time>` element: read as "2026-12-04 05:37:20 UTC", the
/// canonical RFC 3339 text ([`vouch_core::timestamp::format`]) kept in
/// `datetime`.
pub(crate) fn when(t: OffsetDateTime) -> Markup {
    let utc = t.to_offset(UtcOffset::UTC);
    let shown = utc
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
        ))
        // Only a year outside 0..=9999 fails; the canonical text still reads.
        .unwrap_or_else(|_| timestamp::format(utc));
    html! { time datetime=(timestamp::format(t)) { (shown) } }
}

/// A date as a `<time>` element, `YYYY-MM-DD` both shown and in `datetime`.
pub(crate) fn day(d: Date) -> Markup {
    let text = timestamp::format_date(d);
    html! { time datetime=(text) { (text) } }
}

#[cfg(test)]
mod tests {
    use super::{day, when};
    use time::macros::{date, datetime};

    #[test]
    fn moments_read_in_utc_and_keep_the_canonical_text() {
        let h = when(datetime!(2026-12-04 07:37:20.609788088 +02:00)).into_string();
        assert_eq!(
            h,
            "<time datetime=\"2026-12-04T05:37:20.609788Z\">2026-12-04 05:37:20 UTC</time>"
        );
        assert_eq!(
            when(datetime!(2026-04-02 00:00 UTC)).into_string(),
            "<time datetime=\"2026-04-02T00:00:00.000000Z\">2026-04-02 00:00:00 UTC</time>"
        );
    }

    #[test]
    fn dates_read_as_they_are() {
        assert_eq!(
            day(date!(2026 - 04 - 02)).into_string(),
            "<time datetime=\"2026-04-02\">2026-04-02</time>"
        );
    }
}
