//! The second factor of sign-in and the enrolment of a security key
//! (WebAuthn). A session opened with a token is pending until the official
//! asserts with one of their security keys; these pages are all it may see.
//! The ceremonies run in the page's script (buttons with `data-webauthn`
//! and the server's options in `data-options`), which posts the result in
//! the form's `credential` field.

use maud::{html, Markup};

use crate::layout::page;

/// Who is completing sign-in: the official and the session's CSRF secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingView {
    /// The official's registry id.
    pub official_id: String,
    /// The session's CSRF secret.
    pub csrf: String,
}

fn sign_out(v: &PendingView) -> Markup {
    html! {
        form method="post" action="/console/sign-out" class="inline" {
            input type="hidden" name="csrf" value=(v.csrf);
            button type="submit" class="secondary" { "Sign out" }
        }
    }
}

fn ceremony_form(
    v: &PendingView,
    action: &str,
    kind: &str,
    options: &str,
    label: &str,
    extra: Markup,
) -> Markup {
    html! {
        form method="post" action=(action) class="webauthn" {
            input type="hidden" name="csrf" value=(v.csrf);
            (extra)
            input type="hidden" name="credential" value="";
            p {
                button type="button" id="webauthn-button" data-webauthn=(kind) data-options=(options)
                    aria-describedby="webauthn-status" { (label) }
            }
            p id="webauthn-status" role="status" class="muted" {}
        }
    }
}

/// The second-factor page: `options` (JSON for
/// `navigator.credentials.get`) when the official has a security key, else
/// the way to enrol one.
pub fn second_factor_page(v: &PendingView, options: Option<&str>, error: Option<&str>) -> Markup {
    let body = html! {
        @if let Some(e) = error {
            p class="error" role="alert" { (e) }
        }
        p {
            "Your token was accepted for " strong { (v.official_id) } ". "
            "Confirm that it is you with your security key (passkey) to finish signing in: "
            "the console opens no page until you do."
        }
        @if let Some(o) = options {
            (ceremony_form(v, "/console/second-factor", "get", o, "Use my security key", html! {}))
        } @else {
            p class="warning" {
                "You have no security key enrolled yet. Ask an administrator for an enrolment code."
            }
        }
        p { a href="/console/enrol" { "Enrol a security key with an enrolment code" } }
        p { (sign_out(v)) }
    };
    page(None, None, "Confirm with your security key", body)
}

/// The enrolment page: the code form, or (once a code was accepted)
/// `options` for `navigator.credentials.create`.
pub fn enrol_page(v: &PendingView, options: Option<&str>, error: Option<&str>) -> Markup {
    let body = html! {
        @if let Some(e) = error {
            p class="error" role="alert" { (e) }
        }
        @if let Some(o) = options {
            p { "The code was accepted. Create a credential on your security key (you will be asked for its PIN or fingerprint)." }
            (ceremony_form(v, "/console/enrol/finish", "create", o, "Create a credential on my security key", html! {}))
        } @else {
            p {
                "Enter the one-time enrolment code an administrator issued for you ("
                strong { (v.official_id) } "). It works once, for you only, for 24 hours."
            }
            form method="post" action="/console/enrol/start" {
                input type="hidden" name="csrf" value=(v.csrf);
                label for="code" { "Enrolment code" }
                input type="password" id="code" name="code" required autocomplete="off" spellcheck="false";
                p { button type="submit" { "Continue" } }
            }
        }
        p { a href="/console/second-factor" { "Back" } " " (sign_out(v)) }
    };
    page(None, None, "Enrol a security key", body)
}
