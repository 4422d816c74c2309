//! The court orders page: every order on file, whether it is in force,
//! its scope and effect, and its document's SHA-256 (with a link to the
//! document itself).

use crate::layout::{day, page, seg, Layout, Section};
use crate::view::OrderView;
use maud::{html, Markup};

/// The orders page (`/console/orders`).
pub fn orders_page(layout: &Layout, orders: &[OrderView]) -> Markup {
    let in_force = orders.iter().filter(|o| o.in_force).count();
    let body = html! {
        p {
            "A court order on file halts disclosures in its scope (new requests are refused "
            code { "ORDER_HALTED" } ", approved batches are held unreleased) or restricts them (its policy applies in scope) "
            "from its date until it is lifted. Putting an order on file and lifting it take two officials "
            "once the registry is sealed, and each is an entry in the ledger: "
            code { "vouch orders add" } " / " code { "vouch orders lift" } "."
        }
        p { "Orders on file: " (orders.len()) "; in force today: " (in_force) "." }
        @if !orders.is_empty() {
            table {
                caption { "Court orders on file" }
                thead { tr {
                    th scope="col" { "Order" } th scope="col" { "Court" } th scope="col" { "Effect" }
                    th scope="col" { "Scope" } th scope="col" { "From" } th scope="col" { "Lifted from" }
                    th scope="col" { "Status" } th scope="col" { "Document" }
                } }
                tbody {
                    @for o in orders {
                        tr {
                            th scope="row" { (o.id) }
                            td { (o.court) }
                            td { (o.effect) }
                            td { code { (o.scope) } }
                            td { (day(o.date)) }
                            td { @if let Some(l) = o.lifted { (day(l)) } @else { "—" } }
                            td { @if o.in_force { strong { "in force" } } @else { "not in force" } }
                            td {
                                a href=(format!("/console/orders/{}/document", seg(&o.id))) { "document" }
                                " "
                                code class="muted" { "sha256:" (o.document_sha256.get(..16).unwrap_or(&o.document_sha256)) "…" }
                            }
                        }
                    }
                }
            }
        }
    };
    page(Some(layout), Some(Section::Orders), "Court orders", body)
}
