//! The page where a disclosure officer signs a decision: the exact
//! statement (request, letter and subjects hashes, decision, moment,
//! officer, comment hash) and a field for the signature made with the
//! officer's own key, which the service never holds.

use maud::{html, Markup};

use crate::layout::{page, seg, Layout, Section};

/// A decision waiting for its officer's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignDecisionView {
    /// The request decided on.
    pub request_id: String,
    /// `approve` or `deny`.
    pub decision: &'static str,
    /// The comment, as entered (its SHA-256 is in the statement).
    pub comment: String,
    /// The moment the statement names (canonical RFC 3339).
    pub at: String,
    /// The text to sign.
    pub statement: String,
    /// The options (JSON) for signing it with one of the officer's
    /// security keys (challenge = SHA-256 of the statement), if they have one.
    pub webauthn_options: Option<String>,
}

/// The signing page: the statement in `pre#statement`, how to sign it, and
/// a form posting the signature (with the comment and the moment, hidden)
/// to `/console/requests/{id}/approve` or `/deny`.
pub fn sign_decision_page(layout: &Layout, view: &SignDecisionView) -> Markup {
    let action = format!(
        "/console/requests/{}/{}",
        seg(&view.request_id),
        view.decision
    );
    let (label, class) = match view.decision {
        "deny" => ("Deny", "danger"),
        _ => ("Approve", ""),
    };
    let body = html! {
        p {
            "Your decision is recorded only with your signature, made with your own key: "
            "neither the service nor an administrator can make it for you. Sign exactly this text:"
        }
        pre id="statement" aria-label="Statement to sign" { (view.statement) }
        @if let Some(options) = &view.webauthn_options {
            h2 { "With your security key" }
            form method="post" action=(action) class=(format!("webauthn decision {}", view.decision)) {
                input type="hidden" name="csrf" value=(layout.csrf);
                input type="hidden" name="comment" value=(view.comment);
                input type="hidden" name="at" value=(view.at);
                input type="hidden" name="credential" value="";
                p {
                    button type="button" id="webauthn-sign" class=(class) data-webauthn="get" data-options=(options)
                        aria-describedby="webauthn-status" { (label) " with my security key" }
                }
                p id="webauthn-status" role="status" class="muted" {}
            }
            h2 { "Or with your signing key" }
        }
        p {
            "For example, save it as " code { "statement.txt" } " and run "
            code { "vouch sign-decision --key YOUR_KEY_FILE < statement.txt" }
            ". The signature is valid for five minutes."
        }
        form method="post" action=(action) class=(format!("decision {}", view.decision)) {
            input type="hidden" name="csrf" value=(layout.csrf);
            input type="hidden" name="comment" value=(view.comment);
            input type="hidden" name="at" value=(view.at);
            label for="signature" { "Signature (base64)" }
            textarea id="signature" name="signature" required rows="3" spellcheck="false" {}
            p { button type="submit" class=(class) { (label) " request " (view.request_id) } }
        }
        p { a href="/console/review" { "Back to the review queue" } }
    };
    page(
        Some(layout),
        Some(Section::ReviewQueue),
        "Sign your decision",
        body,
    )
}
