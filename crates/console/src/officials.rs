//! The administrator's page: the registry of officials with their API
//! tokens (ids and dates only; a token itself is shown once, right after it
//! is issued), forms to register an official, issue a token and revoke one.

use maud::{html, Markup};

use crate::layout::{page, role_label, seg, when, Layout, Section};
use crate::view::OfficialsView;

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
        @if let Some(m) = &view.message {
            p class="error" role="alert" { (m) }
        }
        h2 { "Register an official" }
        form method="post" action="/console/officials" class="register" {
            input type="hidden" name="csrf" value=(layout.csrf);
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
        h2 { "Officials" }
        @if view.officials.is_empty() {
            p { "No official is registered." }
        } @else {
            div class="scroll" {
                table class="officials" {
                    caption { "Registered officials and their API tokens (" (view.officials.len()) ")" }
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
                        @for o in &view.officials {
                            tr {
                                th scope="row" { (o.record.id) }
                                td { (o.record.agency) }
                                td { (role_label(o.record.role)) }
                                td { (when(o.record.registered_at)) }
                                td {
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
                                                            input type="hidden" name="csrf" value=(layout.csrf);
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
                                td {
                                    form method="post" action=(format!("/console/officials/{}/tokens", seg(&o.record.id))) {
                                        input type="hidden" name="csrf" value=(layout.csrf);
                                        button type="submit" aria-label=(format!("Issue a token for {}", o.record.id)) { "Issue a token" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(Some(layout), Some(Section::Officials), "Officials", body)
}
