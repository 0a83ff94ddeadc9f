// Keyboard review of held signatures and reasons (/admin/petitions/…/held).
// The page works without this script: every button is a plain form post.
// With it: j/k or the arrow keys move between rows, x or space selects,
// a approves and r rejects the selected rows (or the current one if none
// is selected), each table gets a "select all" box, a rejection asks first,
// and after the page comes back focus returns to the row where the
// reviewer was (now the next one), with the result announced.
(function () {
  'use strict';
  var STORE = 'review-focus:' + location.pathname;
  var forms = Array.prototype.slice.call(document.querySelectorAll('form[data-review]'));

  function boxes(form) {
    return Array.prototype.slice.call(form.querySelectorAll('tbody input[type="checkbox"]'));
  }

  function selected(form) {
    return boxes(form).filter(function (box) { return box.checked; });
  }

  // The form and row index the keyboard is on: the focused row, else none.
  function current() {
    var active = document.activeElement;
    var form = active && active.closest && active.closest('form[data-review]');
    if (!form) return { form: forms[0], index: -1 };
    var row = active.closest('tbody tr');
    var rows = Array.prototype.slice.call(form.querySelectorAll('tbody tr'));
    return { form: form, index: row ? rows.indexOf(row) : -1 };
  }

  function focusRow(form, index) {
    var all = boxes(form);
    if (!all.length) return false;
    var box = all[Math.max(0, Math.min(index, all.length - 1))];
    box.focus();
    return true;
  }

  // The button that acts on the selected rows, or on the current row if
  // none is selected.
  function buttonFor(form, index, verdict) {
    if (selected(form).length) return form.querySelector('button[data-bulk][data-verdict="' + verdict + '"]');
    var rows = form.querySelectorAll('tbody tr');
    if (index < 0 || index >= rows.length) return null;
    return rows[index].querySelector('button[data-verdict="' + verdict + '"]');
  }

  function submitWith(form, button) {
    if (form.requestSubmit) form.requestSubmit(button);
    else button.click();
  }

  forms.forEach(function (form) {
    var head = form.querySelector('thead th[data-select-all]');
    if (head) {
      var all = document.createElement('input');
      all.type = 'checkbox';
      all.id = 'select-all-' + form.getAttribute('data-review');
      var label = document.createElement('label');
      label.htmlFor = all.id;
      label.className = 'visually-hidden';
      label.textContent = 'Select all';
      head.textContent = '';
      head.appendChild(all);
      head.appendChild(label);
      all.addEventListener('change', function () {
        boxes(form).forEach(function (box) { box.checked = all.checked; });
      });
      form.addEventListener('change', function (event) {
        if (event.target === all) return;
        var ticked = selected(form).length;
        all.checked = ticked > 0 && ticked === boxes(form).length;
        all.indeterminate = ticked > 0 && !all.checked;
      });
    }
    form.addEventListener('submit', function (event) {
      var button = event.submitter;
      var kind = button && button.getAttribute('data-confirm');
      if (kind) {
        var n = button.hasAttribute('data-bulk') ? selected(form).length : 1;
        var words = kind === 'signatures'
          ? 'Reject ' + n + (n === 1 ? ' signature' : ' signatures') + '? Personal data is erased and they will never count.'
          : 'Reject ' + n + (n === 1 ? ' reason' : ' reasons') + '? The words are deleted; the signatures still count.';
        if (n > 0 && !window.confirm(words)) {
          event.preventDefault();
          return;
        }
      }
      // Remember the row acted on (or the first selected one).
      var rows = Array.prototype.slice.call(form.querySelectorAll('tbody tr'));
      var row = (button && button.closest('tbody tr')) || (selected(form)[0] || rows[0]).closest('tr');
      var index = Math.max(0, rows.indexOf(row));
      try {
        sessionStorage.setItem(STORE, JSON.stringify({ form: form.getAttribute('data-review'), index: index }));
      } catch (e) { /* private mode: focus simply starts at the top */ }
    });
  });

  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !forms.length) return;
    var target = event.target;
    var typing = target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName) ||
      (target.tagName === 'INPUT' && target.type !== 'checkbox');
    if (typing) return;
    var at = current();
    var inTable = at.index >= 0;
    switch (event.key) {
      case 'j':
      case 'ArrowDown':
        if (event.key === 'ArrowDown' && !inTable) return;
        focusRow(at.form, at.index + 1);
        break;
      case 'k':
      case 'ArrowUp':
        if (event.key === 'ArrowUp' && !inTable) return;
        focusRow(at.form, Math.max(0, at.index - 1));
        break;
      case 'x':
        if (!inTable) return;
        var box = boxes(at.form)[at.index];
        box.checked = !box.checked;
        box.dispatchEvent(new Event('change', { bubbles: true }));
        break;
      case 'a':
      case 'r':
        var button = buttonFor(at.form, at.index, event.key === 'a' ? 'approve' : 'reject');
        if (!button) return;
        submitWith(at.form, button);
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  Array.prototype.forEach.call(document.querySelectorAll('[data-shortcuts]'), function (hint) {
    if (forms.length) hint.hidden = false;
  });

  // Back from an action: focus where the reviewer was, and say what happened.
  var saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(STORE) || 'null');
    sessionStorage.removeItem(STORE);
  } catch (e) { saved = null; }
  var notice = document.getElementById('notice');
  if (!saved || !notice) return;
  var form = document.querySelector('form[data-review="' + saved.form + '"]');
  if (form && focusRow(form, saved.index)) {
    // Focus moved past the notice: repeat it so screen readers announce it.
    var words = notice.textContent;
    notice.textContent = '';
    setTimeout(function () { notice.textContent = words; }, 150);
  } else {
    notice.focus();
  }
})();
