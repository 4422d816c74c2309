//! The administrator's page: the registry of officials with their API
//! tokens (ids and dates only; a token itself is shown once, right after it
//! is issued), forms to register an official, issue a token and revoke one.

use maud::{html, Markup};

use crate::layout::{page, role_label, seg, when, Layout, Section};
use crate::view::{NewToken, OfficialRow, OfficialsView, SignChangeView};

/// The roles an administrator may register, as the form offers them.
const ROLES: [(&str, &str); 5] = [
    ("signer", "signer (requesting agency; needs a public key)"),
    ("recipient", "recipient (requesting agency)"),
    ("disclosure-officer", "disclosure officer (IRS)"),
    ("auditor", "auditor (IRS)"),
    ("administrator", "administrator (IRS)"),
];

/// The officials page.
pub fn officials_page(layout: &Layout, view: &OfficialsView) -> Markup {
    let body = html! {
        @if let Some(t) = &view.new_token {
            (new_token_notice(t))
        }
        @if let Some(m) = &view.message {
            p class="error" role="alert" { (m) }
        }
        (register_form(&layout.csrf, view.sealed))
        (changes_table(&layout.csrf, view))
        (officials_table(&layout.csrf, &view.officials))
    };
    page(Some(layout), Some(Section::Officials), "Officials", body)
}

/// The token just issued, shown this once, with its id and expiry.
fn new_token_notice(t: &NewToken) -> Markup {
    html! {
        div class="notice" role="status" {
            p {
                "A token for " strong { (t.official) } " (id " code { (t.token_id) } "): "
                "copy it now, it is not shown again"
                @if let Some(e) = t.expires_at { "; it expires " (when(e)) }
                "."
            }
            p { code class="token" { (t.token) } }
        }
    }
}

/// The form that registers an official (id, agency, one of [`ROLES`], and a
/// public key for signers), posted with the session's `csrf` token.
fn register_form(csrf: &str, sealed: bool) -> Markup {
    html! {
        h2 { "Register an official" }
        @if sealed {
            p class="muted" {
                "The registry is sealed: a registration takes effect only when two administrators sign it. "
                "Propose it with your own key ("
                code { "vouch officials add ... --as YOU --key YOUR_KEY_FILE" }
                ", or " code { "POST /v1/officials" } " with a signature); a second administrator confirms it below."
            }
        }
        form method="post" action="/console/officials" class="register" {
            input type="hidden" name="csrf" value=(csrf);
            p {
                label for="official-id" { "Official id" }
                input type="text" id="official-id" name="id" required maxlength="128" pattern="[A-Za-z0-9][A-Za-z0-9._\\-]*";
            }
            p {
                label for="official-agency" { "Agency" }
                input type="text" id="official-agency" name="agency" required maxlength="128";
            }
            p {
                label for="official-role" { "Role" }
                select id="official-role" name="role" required {
                    @for (value, label) in ROLES {
                        option value=(value) { (label) }
                    }
                }
            }
            p {
                label for="official-key" { "Ed25519 public key, base64 (signers only)" }
                input type="text" id="official-key" name="public_key" maxlength="64" spellcheck="false";
            }
            p { button type="submit" { "Register" } }
        }
    }
}

/// The registry's changes, pending ones with a form to confirm them (a
/// signing page follows).
fn changes_table(csrf: &str, view: &OfficialsView) -> Markup {
    html! {
        h2 { "Registry changes" }
        p {
            @if view.sealed {
                "Sealed: every registration, security key, policy or hold list change needs its proposer and a second administrator, each signing with their own key."
            } @else {
                "Founding: until two administrators with keys are registered, one person registers (every registration is logged in the ledger)."
            }
        }
        @if !view.changes.is_empty() {
            div class="scroll" {
                table class="changes" {
                    caption { "Registry changes (" (view.changes.len()) ")" }
                    thead {
                        tr {
                            th scope="col" { "Change" }
                            th scope="col" { "Kind" }
                            th scope="col" { "What" }
                            th scope="col" { "Proposed by" }
                            th scope="col" { "Confirmed by" }
                            th scope="col" { "State" }
                        }
                    }
                    tbody {
                        @for c in &view.changes {
                            tr {
                                th scope="row" { code { (c.id) } }
                                td { (c.kind) }
                                td { (c.summary) }
                                td { (c.proposed_by) }
                                td { (c.confirmed_by.as_deref().unwrap_or("—")) }
                                td {
                                    (c.state)
                                    @if let Some(i) = c.ledger_index { " (ledger entry " (i) ")" }
                                    @if c.state != "in effect" {
                                        form method="post" action=(format!("/console/registry/{}/sign", seg(&c.id))) class="inline" {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button type="submit" aria-label=(format!("Confirm change {}", c.id)) { "Confirm…" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The page where a second administrator signs a registry change's
/// confirmation statement with their own key.
pub fn sign_change_page(layout: &Layout, view: &SignChangeView) -> Markup {
    let body = html! {
        p {
            "Change " code { (view.change_id) } ", proposed by " strong { (view.proposed_by) } ": " (view.summary) ". "
            "It takes effect only with your signature, made with your own key (you cannot confirm your own proposal). Sign exactly this text:"
        }
        pre id="statement" aria-label="Statement to sign" { (view.statement) }
        p {
            "For example, save it as " code { "statement.txt" } " and run "
            code { "vouch sign-decision --key YOUR_KEY_FILE < statement.txt" }
            ". The signature is valid for five minutes."
        }
        form method="post" action=(format!("/console/registry/{}/confirm", seg(&view.change_id))) class="confirm-change" {
            input type="hidden" name="csrf" value=(layout.csrf);
            input type="hidden" name="at" value=(view.at);
            label for="signature" { "Signature (base64)" }
            textarea id="signature" name="signature" required rows="3" spellcheck="false" {}
            p { button type="submit" { "Confirm change " (view.change_id) } }
        }
        p { a href="/console/officials" { "Back to the officials" } }
    };
    page(
        Some(layout),
        Some(Section::Officials),
        "Confirm a registry change",
        body,
    )
}

/// The registered officials, one row each with their tokens and a form to
/// issue another; every form carries the session's `csrf` token.
fn officials_table(csrf: &str, officials: &[OfficialRow]) -> Markup {
    html! {
        h2 { "Officials" }
        @if officials.is_empty() {
            p { "No official is registered." }
        } @else {
            div class="scroll" {
                table class="officials" {
                    caption { "Registered officials and their API tokens (" (officials.len()) ")" }
                    thead {
                        tr {
                            th scope="col" { "Official" }
                            th scope="col" { "Agency" }
                            th scope="col" { "Role" }
                            th scope="col" { "Registered" }
                            th scope="col" { "Tokens" }
                            th scope="col" { "Issue" }
                        }
                    }
                    tbody {
                        @for o in officials {
                            tr {
                                th scope="row" { (o.record.id) }
                                td { (o.record.agency) }
                                td { (role_label(o.record.role)) }
                                td { (when(o.record.registered_at)) }
                                td { (token_list(csrf, o)) }
                                td {
                                    form method="post" action=(format!("/console/officials/{}/tokens", seg(&o.record.id))) {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button type="submit" aria-label=(format!("Issue a token for {}", o.record.id)) { "Issue a token" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An official's tokens by id: a live one with its expiry and a form to
/// revoke it, a revoked one with when, any other as expired.
fn token_list(csrf: &str, o: &OfficialRow) -> Markup {
    html! {
        @if o.tokens.is_empty() {
            span class="muted" { "none" }
        } @else {
            ul class="tokens" {
                @for t in &o.tokens {
                    li {
                        code { (t.token_id) } " "
                        @if t.live {
                            "live"
                            @if let Some(e) = t.expires_at { ", expires " (when(e)) }
                            form method="post" action=(format!("/console/tokens/{}/revoke", seg(&t.token_id))) class="inline" {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" class="danger" aria-label=(format!("Revoke token {} of {}", t.token_id, o.record.id)) { "Revoke" }
                            }
                        } @else if let Some(r) = t.revoked_at {
                            span class="muted" { "revoked " (when(r)) }
                        } @else {
                            span class="muted" { "expired" }
                        }
                    }
                }
            }
        }
    }
}
