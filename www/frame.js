/*! Petition iframe embed: tells the page around this iframe how tall the
 * petition is, whenever that changes, so the iframe can fit it.
 *
 * Two messages, both posted to any origin (a height is no secret):
 *   {type: "petition-widget:height", height: <CSS px>}  read by the loader
 *     (embed.js) when the page around has one;
 *   {message: "height", value: <CSS px>, secret: "…"}   WordPress's own
 *     (wp-embed.js), sent only when this frame's address ends in
 *     #?secret=…, as WordPress makes it.
 * ES5, no globals, and nothing here can throw into the page.
 */
(function () {
  "use strict";
  try {
    if (!window.parent || window.parent === window) return; // not framed
    var root = document.documentElement;
    var found = /^#\?secret=([A-Za-z0-9]{1,32})$/.exec(location.hash);
    var secret = found ? found[1] : null;
    var last = -1;

    var send = function (message) {
      try {
        window.parent.postMessage(message, "*");
      } catch (e) {}
    };

    var report = function (force) {
      try {
        var height = Math.ceil(root.getBoundingClientRect().height);
        if (!(height > 0) || (height === last && !force)) return;
        last = height;
        send({ type: "petition-widget:height", height: height });
        if (secret) send({ message: "height", value: height, secret: secret });
      } catch (e) {}
    };

    if (typeof ResizeObserver === "function") {
      new ResizeObserver(function () {
        report(false);
      }).observe(root);
    } else {
      window.addEventListener("resize", function () {
        report(false);
      });
    }
    // Once more when everything has loaded, for a listener that started
    // after the first report.
    window.addEventListener("load", function () {
      report(true);
    });
    report(false);
  } catch (e) {}
})();
