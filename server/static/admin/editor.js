// The petition editor: shows the draft in the real widget beside the form
// as it is typed. After a pause in typing, the form's fields go as JSON to
// /admin/petitions/preview, which checks them by the petition rules and
// keeps the draft under this page's token; the preview frame then reloads
// the widget pointed at that draft. Without this script the form still
// saves, and the frame shows the saved petition.
//
// It also asks before the page is left with changes not saved.
(function () {
  'use strict';
  var form = document.getElementById('petition-form');
  var frame = document.getElementById('preview');
  var status = document.getElementById('preview-status');
  if (!form || !frame || !status || !window.fetch || !window.FormData) return;
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var token = form.getAttribute('data-preview-token');
  var timer = null;
  var sent = 0; // drafts sent: only the newest one's answer is shown
  var unsaved = false;

  function say(words) {
    if (status.textContent !== words) status.textContent = words;
  }

  function draft() {
    var fields = { token: token };
    new FormData(form).forEach(function (value, name) {
      if (name !== 'csrf') fields[name] = value;
    });
    return fields;
  }

  function update() {
    var mine = ++sent;
    fetch('/admin/petitions/preview', {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf ? csrf.content : '' },
      body: JSON.stringify(draft())
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (mine !== sent) return;
        if (answer.ok) {
          frame.contentWindow.location.replace(answer.body.preview);
          say('The preview shows your changes (not saved yet).');
        } else if (answer.body.problems) {
          var messages = answer.body.problems.map(function (p) { return p.message; });
          say('The preview shows your changes once the form has no mistakes: ' + messages.join('; ') + '.');
        } else {
          say('The preview could not be updated: ' + (answer.body.error || 'reload the page') + '.');
        }
      })
      .catch(function () {
        if (mine === sent) say('The preview could not be updated: check your connection, then type again.');
      });
  }

  function changed() {
    unsaved = true;
    clearTimeout(timer);
    timer = setTimeout(update, 600);
  }

  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('submit', function () { unsaved = false; });
  window.addEventListener('beforeunload', function (event) {
    if (!unsaved) return;
    event.preventDefault();
    event.returnValue = '';
  });
  // Shown again with what was typed (a mistake, a refused save, an old
  // revision loaded): preview that at once, and it is not saved yet.
  if (form.getAttribute('data-typed') === 'yes') {
    unsaved = true;
    update();
  }
})();
