// Keeps dashboard pages live: one stream (/admin/events) names each petition
// whose count moves; this script refreshes the petitions table in place and
// tells other scripts on the page by a `petition-changed` event on document
// (detail: the petition's slug).
(function () {
  'use strict';
  var status = document.getElementById('live-status');
  var pending = null;

  function refreshOverview() {
    var table = document.querySelector('table[data-live="overview"]');
    if (!table) return;
    fetch('/admin/overview.json', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (petitions) {
        petitions.forEach(function (p) {
          var row = table.querySelector('tr[data-slug="' + CSS.escape(p.slug) + '"]');
          if (!row) return;
          Object.keys(p.words).forEach(function (field) { set(row, field, p.words[field]); });
        });
        table.dispatchEvent(new CustomEvent('refreshed', { bubbles: true }));
      })
      .catch(function () { /* the next change tries again */ });
  }

  function set(row, field, text) {
    var cell = row.querySelector('[data-field="' + field + '"]');
    if (cell && cell.textContent !== text) cell.textContent = text;
  }

  if (!window.EventSource) return;
  var events = new EventSource('/admin/events');
  events.addEventListener('changed', function (event) {
    document.dispatchEvent(new CustomEvent('petition-changed', { detail: event.data }));
    // Many signatures in a moment make one refresh a second at most.
    if (pending) return;
    pending = setTimeout(function () { pending = null; refreshOverview(); }, 1000);
  });
  events.addEventListener('error', function () {
    if (status && events.readyState === EventSource.CLOSED) {
      status.textContent = 'Live updates stopped: reload the page to see new figures.';
    }
  });
})();
