// `cargo xtask bench`'s floor: puts a small signing form (a few labelled
// inputs and a button) in an open shadow root at once, with nothing to fetch
// and nothing to wait for. floor.html runs it inline (the floor);
// floor-tag.html loads it as partners load the widget, one async tag from
// the petition server, which shows what the tag alone costs. (askama
// includes it in floor.html, so no brace here may be followed by a second
// brace, a percent sign or a hash: that would open askama's syntax.)
document.querySelector("[data-floor]").attachShadow({ mode: "open" }).innerHTML =
  "<style>form{display:grid;gap:.5rem;max-width:24rem;font:16px system-ui,sans-serif}input{font:inherit;padding:.4rem}</style>" +
  "<form><label for=f>First name</label><input id=f name=first autocomplete=given-name required>" +
  "<label for=l>Last name</label><input id=l name=last autocomplete=family-name>" +
  "<label for=e>Email address</label><input id=e name=email type=email autocomplete=email required>" +
  "<label for=p>Postcode</label><input id=p name=postcode autocomplete=postal-code required>" +
  "<button>Sign the petition</button></form>";
