//! The ledger page: the latest signed checkpoint, a lookup form and an
//! inclusion proof the browser can check by itself.

use maud::{html, Markup};

use crate::layout::{page, Layout, Section};
use crate::view::LedgerView;

/// The proof's hashes as a JSON array (kept whole: an empty or garbled
/// element must reach the checker, not vanish).
fn proof_json(hashes: &[String]) -> String {
    serde_json::to_string(hashes).unwrap_or_else(|_| "[]".to_string())
}

/// The ledger page. The proof's numbers sit in `data-*` attributes of
/// `#proof-data` (`data-leaf-index`, `data-tree-size`, `data-leaf-hash`,
/// `data-proof` a JSON array of strings, `data-root-hash`, all hashes base64); the
/// button `#proof-check` (shown by the script) recomputes the root per
/// RFC 9162 section 2.1.3.2 and writes the verdict into `#proof-result`.
pub fn ledger_page(layout: &Layout, view: &LedgerView) -> Markup {
    let body = html! {
        h2 { "Latest signed checkpoint" }
        @if let Some(c) = &view.checkpoint {
            dl class="facts" {
                dt { "Tree size" } dd id="tree-size" { (c.tree_size) " leaves" }
                dt { "Root hash" } dd { code id="root-hash" { (c.root_hash) } }
                dt { "Signature" }
                dd id="signature" data-verified=(if c.signature_verified { "true" } else { "false" }) {
                    @if c.signature_verified {
                        strong { "✓ yes" } ": the server verified the signature with the log's public key."
                    } @else {
                        strong { "✗ no" } ": the server could not verify the signature. Do not rely on this checkpoint."
                    }
                }
            }
            pre aria-label="Signed checkpoint note" { (c.note) }
        } @else {
            p class="notice" { "The ledger is empty: no checkpoint has been signed yet." }
        }
        h2 { "Witnesses" }
        @if view.witnesses.is_empty() {
            p class="notice" { "No witness is configured: nobody outside this service keeps what the ledger said (vouch witnesses add)." }
        } @else {
            p { "A response is released only once " (view.witness_quorum) " of these oversight witnesses have cosigned the checkpoint that covers it. Each keeps the latest checkpoint it cosigned and refuses one that is not a consistent extension of it." }
            table id="witnesses" {
                caption { "Witnesses and the latest checkpoint each cosigned" }
                thead { tr { th scope="col" { "Witness" } th scope="col" { "URL" } th scope="col" { "Last cosigned size" } th scope="col" { "Cosigned at" } th scope="col" { "Cosigns the latest" } } }
                tbody {
                    @for w in &view.witnesses {
                        tr {
                            td { code { (w.name) } }
                            td { code { (w.url) } }
                            td { @if let Some(s) = w.last_size { (s) } @else { "never" } }
                            td { @if let Some(t) = &w.last_time { (t) } @else { "—" } }
                            td {
                                @if view.checkpoint.as_ref().is_some_and(|c| Some(c.tree_size) == w.last_size) { "yes" } @else { "no" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Find one lookup" }
        p { "Every lookup of a subject is a leaf of the ledger. Give the request id and the subject reference to get the proof that its leaf is in the signed tree." }
        form method="get" action="/console/ledger" {
            label for="lookup-request" { "Request id" }
            input type="text" id="lookup-request" name="request" required maxlength="200"
                value=[view.lookup_request.as_deref()] autocomplete="off" spellcheck="false";
            label for="lookup-subject" { "Subject reference" }
            input type="text" id="lookup-subject" name="subject" required maxlength="200"
                value=[view.lookup_subject.as_deref()] autocomplete="off" spellcheck="false";
            p { button type="submit" { "Find" } }
        }
        @if let Some(m) = &view.lookup_message {
            p class="notice" role="status" { (m) }
        }
        @if let Some(p) = &view.proof {
            section aria-labelledby="proof-title" {
                h2 id="proof-title" { "Inclusion proof" }
                div id="proof-data"
                    data-leaf-index=(p.leaf_index) data-tree-size=(p.tree_size)
                    data-leaf-hash=(p.leaf_hash) data-proof=(proof_json(&p.proof)) data-root-hash=(p.root_hash) {
                    dl class="facts" {
                        dt { "Leaf index" } dd { (p.leaf_index) }
                        dt { "Tree size" } dd { (p.tree_size) }
                        dt { "Leaf hash" } dd { code { (p.leaf_hash) } }
                        dt { "Root hash" } dd { code { (p.root_hash) } }
                        @if let Some(c) = &view.checkpoint {
                            dt { "Same as the checkpoint" }
                            dd {
                                @if c.tree_size == p.tree_size && c.root_hash == p.root_hash {
                                    "yes: this root is the signed checkpoint's root"
                                } @else {
                                    "no: this proof is against another tree size or root"
                                }
                            }
                        }
                    }
                    @if p.proof.is_empty() {
                        p { "The proof has no hashes: the leaf is the whole tree." }
                    } @else {
                        p { "Proof hashes (" (p.proof.len()) "), in RFC 9162 order:" }
                        ol class="hashes" {
                            @for h in &p.proof {
                                li { code { (h) } }
                            }
                        }
                    }
                }
                p {
                    button type="button" id="proof-check" hidden { "Check in this browser" }
                }
                p id="proof-result" role="status" aria-live="polite" {}
                p id="proof-detail" class="muted" {}
                noscript { p class="muted" { "The check in this browser needs JavaScript. The proof above can also be checked with any RFC 9162 verifier." } }
            }
        }
    };
    page(Some(layout), Some(Section::Ledger), "Ledger", body)
}
