//! The console's stylesheet and script, served by the server as static files.
//!
//! Both are self-contained: no external URL, no CDN, no web font. The pages
//! reference them by the paths in [`STYLE_PATH`] and [`SCRIPT_PATH`] and use no
//! inline `<script>` or `style` attribute, so a strict Content-Security-Policy
//! (`default-src 'self'`) holds. Every read-only page is complete without the
//! script; it adds live progress on a running request and the in-browser
//! check of a ledger inclusion proof.

/// Where the server serves [`STYLE_CSS`].
pub const STYLE_PATH: &str = "/console/static/console.css";

/// Where the server serves [`CONSOLE_JS`].
pub const SCRIPT_PATH: &str = "/console/static/console.js";

/// The console's stylesheet (`text/css; charset=utf-8`).
pub const STYLE_CSS: &str = r#"/* vouch console */
:root {
  --fg: #1a1a1a; --muted: #555; --bg: #fff; --panel: #f5f6f8; --line: #c8ccd2;
  --accent: #1d4ed8; --up: #1a7f37; --down: #b42318; --neutral: #57606a;
  --warn-bg: #fff4e5; --warn-line: #b54708; --ok-bg: #ecfdf3;
}
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 100%; color: var(--fg); background: var(--bg); }
body { margin: 0; line-height: 1.5; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible, summary:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px;
}
.skip { position: absolute; left: -999px; top: 0; background: var(--fg); color: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
header.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { font-weight: 700; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.who { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
.who form { margin: 0; }
main { padding: 1.25rem; max-width: 75rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
thead th { background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.notice { border-left: 4px solid var(--accent); background: var(--panel); padding: .75rem 1rem; }
.warning { border-left: 4px solid var(--warn-line); background: var(--warn-bg); padding: .75rem 1rem; }
.error { border-left: 4px solid var(--down); background: #fef3f2; padding: .75rem 1rem; }
.banner { border-bottom: 3px solid var(--down); background: #fef3f2; padding: .6rem 1rem; margin: 0; }
.ok { border-left: 4px solid var(--up); background: var(--ok-bg); padding: .75rem 1rem; }
label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
input[type=text], input[type=password], input[type=search], textarea { font: inherit; padding: .4rem; border: 1px solid var(--muted); border-radius: 3px; width: 100%; max-width: 36rem; }
textarea { min-height: 4rem; }
button { font: inherit; padding: .4rem .9rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 3px; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--down); border-color: var(--down); }
form.inline { display: inline; margin-left: .5rem; }
form.inline button { padding: .1rem .5rem; }
ul.tokens { list-style: none; margin: 0; padding: 0; }
ul.tokens li { margin: .2rem 0; }
code.token { font-size: 1.05rem; word-break: break-all; user-select: all; }
select { font: inherit; padding: .4rem; border: 1px solid var(--muted); border-radius: 3px; max-width: 36rem; }
button[disabled] { background: #d0d4da; border-color: #d0d4da; color: #333; cursor: not-allowed; }
.queue-item { border: 1px solid var(--line); border-radius: 4px; padding: 1rem; margin: 0 0 1.5rem; }
.queue-item h2 { margin-top: 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.decisions { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.decisions form { flex: 1 1 20rem; }
.why { font-size: .9rem; color: var(--muted); }
svg.bar { display: block; }
svg .up, .swatch.up { fill: var(--up); }
svg .down, .swatch.down { fill: var(--down); }
svg .neutral { fill: var(--neutral); }
svg .bar-fill { fill: var(--accent); }
svg .confirmed { fill: var(--up); }
svg .not-confirmed { fill: var(--neutral); }
svg .rejected { fill: var(--down); }
svg .threshold { stroke: var(--fg); stroke-width: 2; stroke-dasharray: 6 4; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .connector { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 2 2; }
svg text { font-size: 11px; fill: var(--fg); }
svg text.muted { fill: var(--muted); }
.timeline { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap; gap: .5rem; }
.timeline li { border: 1px solid var(--line); border-radius: 4px; padding: .4rem .7rem; background: #fff; }
.timeline li.done { border-color: var(--up); }
.timeline li.current { border: 2px solid var(--accent); font-weight: 600; }
.timeline li.failed { border: 2px solid var(--down); }
.timeline li.upcoming { color: var(--muted); border-style: dashed; }
progress { width: 100%; max-width: 36rem; height: 1.25rem; }
pre { background: var(--panel); padding: .75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
code { word-break: break-all; }
ol.hashes { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
#proof-result[data-verified="true"] { border-left: 4px solid var(--up); background: var(--ok-bg); padding: .5rem .75rem; }
#proof-result[data-verified="false"] { border-left: 4px solid var(--down); background: #fef3f2; padding: .5rem .75rem; }
.scroll { max-width: 100%; overflow-x: auto; }
footer { padding: 1rem 1.25rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); }
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
@media print {
  header.top, .skip, nav, form, button, footer, .no-print { display: none !important; }
  main { max-width: none; padding: 0; }
  body { font-size: 10pt; color: #000; }
  a { color: #000; text-decoration: none; }
  table { page-break-inside: auto; width: 100%; }
  tr { page-break-inside: avoid; }
  thead { display: table-header-group; }
  th, td { border: 1px solid #000; }
}
"#;

/// The console's script (`text/javascript; charset=utf-8`).
///
/// Two progressive enhancements, both optional for reading a page:
///
/// * an element with `data-poll` (the `<progress id="progress">` of a running
///   request) is refreshed every 2 s from that URL; the JSON is read
///   tolerantly (`status` a string, `progress` as `{done,total}` or a number);
///   when the status reaches a final state the page reloads;
/// * the button `#proof-check` recomputes a ledger root from the inclusion
///   proof in `#proof-data` (RFC 9162 section 2.1.3.2, SHA-256 with WebCrypto)
///   and writes the verdict into `#proof-result` with `data-verified`.
pub const CONSOLE_JS: &str = r#"/* vouch console: progressive enhancement only. */
(function () {
  'use strict';

  var FINAL = { completed: true, rejected: true, denied: true };

  function num(v) {
    var n = typeof v === 'string' ? Number(v) : v;
    return typeof n === 'number' && isFinite(n) && n >= 0 ? n : null;
  }

  function readProgress(j) {
    if (!j || typeof j !== 'object') return null;
    var p = j.progress;
    if (p && typeof p === 'object') {
      var d = num(p.done), t = num(p.total);
      if (d !== null && t !== null) return { done: d, total: t };
    }
    var single = num(p);
    if (single !== null) return { done: single, total: null };
    var d2 = num(j.done), t2 = num(j.total);
    if (d2 !== null) return { done: d2, total: t2 };
    return null;
  }

  function readStatus(j) {
    if (!j || typeof j !== 'object') return null;
    if (typeof j.status === 'string') return j.status;
    if (j.request && typeof j.request.status === 'string') return j.request.status;
    return null;
  }

  function setupPoll() {
    var el = document.querySelector('[data-poll]');
    if (!el || typeof fetch !== 'function') return;
    var url = el.getAttribute('data-poll');
    if (!url || url.charAt(0) !== '/') return;
    var statusEl = document.getElementById('status');
    var textEl = document.getElementById('progress-text');
    var initial = el.getAttribute('data-status') || '';
    var failures = 0, stopped = false;

    function apply(j) {
      var p = readProgress(j);
      if (p && el.tagName === 'PROGRESS') {
        var total = p.total !== null && p.total > 0 ? p.total : num(el.getAttribute('max'));
        if (total !== null && total > 0) {
          el.max = total;
          el.value = Math.min(p.done, total);
          if (textEl) textEl.textContent = Math.min(p.done, total) + ' of ' + total + ' subjects processed';
        }
      }
      var s = readStatus(j);
      if (s !== null) {
        if (statusEl) statusEl.textContent = s.replace(/_/g, ' ');
        if (FINAL[s] && s !== initial) {
          stopped = true;
          window.location.reload();
        }
      }
    }

    function tick() {
      fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'application/json' } })
        .then(function (r) {
          if (r.status === 401 || r.status === 403 || r.status === 404) { stopped = true; }
          if (!r.ok) throw new Error('HTTP ' + r.status);
          return r.json();
        })
        .then(function (j) { failures = 0; apply(j); })
        .catch(function () { failures += 1; })
        .then(function () {
          if (!stopped && failures < 30) window.setTimeout(tick, 2000);
        });
    }
    window.setTimeout(tick, 2000);
  }

  /* ---- RFC 9162 inclusion proof check ---- */

  function b64(s) {
    var bin = window.atob(String(s).trim());
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  /* H(0x01 || left || right): an interior node (RFC 9162 section 2.1.1). */
  function nodeHash(left, right) {
    var buf = new Uint8Array(1 + left.length + right.length);
    buf[0] = 0x01;
    buf.set(left, 1);
    buf.set(right, 1 + left.length);
    return crypto.subtle.digest('SHA-256', buf).then(function (d) { return new Uint8Array(d); });
  }

  /* RFC 9162 section 2.1.3.2: the root implied by an inclusion proof. */
  async function rootFromInclusionProof(leafIndex, treeSize, leafHash, proof) {
    if (leafIndex < 0n || leafIndex >= treeSize) throw new Error('leaf index outside the tree');
    var fn = leafIndex;
    var sn = treeSize - 1n;
    var r = leafHash;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0n) throw new Error('proof too long');
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) throw new Error('proof too short');
    return r;
  }

  /* The verdict: exactly 'verified in browser: root matches' or 'MISMATCH'
     in #proof-result (with data-verified), the reason in #proof-detail. */
  function report(out, ok, why) {
    out.textContent = ok ? 'verified in browser: root matches' : 'MISMATCH';
    out.setAttribute('data-verified', ok ? 'true' : 'false');
    var detail = document.getElementById('proof-detail');
    if (detail) detail.textContent = why;
  }

  function setupProof() {
    var btn = document.getElementById('proof-check');
    var data = document.getElementById('proof-data');
    var out = document.getElementById('proof-result');
    if (!btn || !data || !out) return;
    btn.hidden = false;
    btn.addEventListener('click', function () {
      if (!window.crypto || !window.crypto.subtle) {
        report(out, false, 'This browser offers no WebCrypto here (it needs a secure context), so nothing was checked.');
        return;
      }
      var leafIndex, treeSize, leafHash, root, proof;
      try {
        leafIndex = BigInt(data.getAttribute('data-leaf-index'));
        treeSize = BigInt(data.getAttribute('data-tree-size'));
        leafHash = b64(data.getAttribute('data-leaf-hash'));
        root = b64(data.getAttribute('data-root-hash'));
        proof = JSON.parse(data.getAttribute('data-proof') || '[]');
        if (!Array.isArray(proof) || !proof.every(function (s) { return typeof s === 'string'; })) throw new Error('proof');
        proof = proof.map(b64);
      } catch (e) {
        report(out, false, 'The proof data could not be read.');
        return;
      }
      var bad = [leafHash, root].concat(proof).some(function (h) { return h.length !== 32; });
      if (bad) {
        report(out, false, 'A hash is not 32 bytes long.');
        return;
      }
      out.textContent = 'checking...';
      out.removeAttribute('data-verified');
      rootFromInclusionProof(leafIndex, treeSize, leafHash, proof).then(function (r) {
        if (sameBytes(r, root)) {
          report(out, true, 'The root computed here equals the signed root.');
        } else {
          report(out, false, 'The proof leads to a different root than the signed one.');
        }
      }, function (e) {
        report(out, false, 'The proof is malformed: ' + (e && e.message ? e.message : 'unknown error') + '.');
      });
    });
  }

  // Security keys (WebAuthn): a button with data-webauthn="create" or
  // "get" and the server's options (JSON, base64url binary fields) in
  // data-options runs the ceremony and posts its result in the button's
  // form, field "credential" (base64url binary fields, as webauthn-rs reads).
  function b64uToBytes(s) {
    s = String(s).replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function bytesToB64u(buf) {
    var b = new Uint8Array(buf), s = '';
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function ids(list) {
    (list || []).forEach(function (c) { c.id = b64uToBytes(c.id); });
  }

  function runCeremony(btn) {
    var form = btn.form, out = document.getElementById(btn.getAttribute('aria-describedby') || '');
    var say = function (t) { if (out) out.textContent = t; };
    var opts, pk;
    try { opts = JSON.parse(btn.getAttribute('data-options')); pk = opts.publicKey; } catch (e) { say('The options are malformed.'); return; }
    pk.challenge = b64uToBytes(pk.challenge);
    var kind = btn.getAttribute('data-webauthn');
    var done;
    if (kind === 'create') {
      pk.user.id = b64uToBytes(pk.user.id);
      ids(pk.excludeCredentials);
      done = navigator.credentials.create({ publicKey: pk }).then(function (c) {
        return { id: c.id, rawId: bytesToB64u(c.rawId), type: c.type, extensions: {},
          response: { attestationObject: bytesToB64u(c.response.attestationObject),
                      clientDataJSON: bytesToB64u(c.response.clientDataJSON) } };
      });
    } else {
      ids(pk.allowCredentials);
      done = navigator.credentials.get({ publicKey: pk }).then(function (c) {
        var r = c.response;
        return { id: c.id, rawId: bytesToB64u(c.rawId), type: c.type, extensions: {},
          response: { authenticatorData: bytesToB64u(r.authenticatorData),
                      clientDataJSON: bytesToB64u(r.clientDataJSON),
                      signature: bytesToB64u(r.signature),
                      userHandle: r.userHandle ? bytesToB64u(r.userHandle) : null } };
      });
    }
    say('Waiting for your security key...');
    btn.disabled = true;
    done.then(function (cred) {
      form.querySelector('input[name=credential]').value = JSON.stringify(cred);
      form.submit();
    }, function (e) {
      btn.disabled = false;
      say('The security key did not answer: ' + (e && e.name ? e.name : 'error') + '. Try again.');
    });
  }

  function setupWebauthn() {
    if (!document.querySelectorAll) return;
    var list = document.querySelectorAll('button[data-webauthn]');
    for (var i = 0; i < list.length; i++) {
      (function (btn) {
        if (!window.PublicKeyCredential || !navigator.credentials) {
          btn.disabled = true;
          return;
        }
        btn.addEventListener('click', function (ev) { ev.preventDefault(); runCeremony(btn); });
      })(list[i]);
    }
  }

  function start() { setupPoll(); setupProof(); setupWebauthn(); }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
"#;
