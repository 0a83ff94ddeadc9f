// A petition's page: copies the embed codes, and keeps the figures, charts
// and tables live. When live.js says the petition's count moved
// (`petition-changed`, detail: its slug), this fetches the figures as the
// server renders them (/admin/petitions/{slug}/figures) and puts them in
// place of the old ones, keeping open tables open and focus where it was.
// The charts read every day of the petition, so it does so at most once
// every few seconds, however fast people sign.
(function () {
  'use strict';

  // Copy buttons: shown only when this script runs (the codes can always be
  // selected and copied by hand).
  Array.prototype.forEach.call(document.querySelectorAll('button[data-copy]'), function (button) {
    var field = document.getElementById(button.getAttribute('data-copy'));
    var status = document.getElementById(button.getAttribute('data-copy') + '-status');
    if (!field || !status) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      copy(field).then(
        function () { say(status, 'Copied. Paste it into your page.'); },
        function () {
          field.focus();
          field.select();
          say(status, 'Could not copy: the code is selected, press Ctrl+C (or Cmd+C) to copy it.');
        }
      );
    });
  });

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(field.value);
    return new Promise(function (resolve, reject) {
      field.select();
      try {
        if (document.execCommand('copy')) return resolve();
      } catch (e) { /* refused: the person copies by hand */ }
      reject();
    });
  }

  // Says `words` in a status region, even when they are the same as last time.
  function say(status, words) {
    status.textContent = '';
    setTimeout(function () { status.textContent = words; }, 50);
  }

  var figures = document.getElementById('figures');
  if (!figures) return;
  var slug = figures.getAttribute('data-slug');
  var GAP = 5000; // the least time between two refreshes, in milliseconds
  var last = 0;
  var due = null; // the refresh waiting to start
  var fetching = false;
  var missed = false; // a change came while fetching: the figures may predate it
  // The dashboard requires Trusted Types: the figures, HTML this server
  // rendered from its escaping templates, are parsed through this policy,
  // the only one its pages may make (see CONTENT_SECURITY_POLICY in
  // server/src/dashboard/mod.rs).
  var policy = { createHTML: function (html) { return html; } };
  if (window.trustedTypes) policy = trustedTypes.createPolicy('dashboard-figures', policy);

  document.addEventListener('petition-changed', function (event) {
    if (event.detail !== slug) return;
    if (fetching) missed = true;
    else schedule();
  });

  function schedule() {
    if (!due) due = setTimeout(refresh, Math.max(500, last + GAP - Date.now()));
  }

  function refresh() {
    due = null;
    fetching = true;
    last = Date.now();
    fetch('/admin/petitions/' + encodeURIComponent(slug) + '/figures', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(policy.createHTML(html), 'text/html').getElementById('figures');
        var current = document.getElementById('figures');
        if (!fresh || !current) return;
        Array.prototype.forEach.call(current.querySelectorAll('details[open]'), function (open) {
          var same = open.id && fresh.querySelector('#' + CSS.escape(open.id));
          if (same) same.open = true;
        });
        var focused = current.contains(document.activeElement) ? document.activeElement.id : '';
        current.replaceWith(document.adoptNode(fresh));
        var again = focused && document.getElementById(focused);
        if (again) again.focus();
      })
      .catch(function () { /* the next change tries again */ })
      .then(function () {
        fetching = false;
        if (missed) {
          missed = false;
          schedule();
        }
      });
  }
})();
