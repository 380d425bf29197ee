// The ladder page (harness/src/ladder/html.rs): a click on an arrow, an
// event or a mark shows its details (the SVG <title> text, and for a
// packet a hex dump of data-hex) in the panel; Escape closes it.
(function () {
  "use strict";
  var panel = document.getElementById("detail");
  var text = document.getElementById("detail-text");
  var selected = null;

  function hexdump(hex) {
    var n = hex.length / 2;
    var lines = [];
    for (var off = 0; off < n; off += 16) {
      var bytes = [];
      var ascii = "";
      for (var i = off; i < Math.min(off + 16, n); i++) {
        var h = hex.substr(i * 2, 2);
        var b = parseInt(h, 16);
        bytes.push(h);
        ascii += b >= 32 && b < 127 ? String.fromCharCode(b) : ".";
      }
      var line = ("000" + off.toString(16)).slice(-4) + "  " + bytes.join(" ");
      while (line.length < 6 + 16 * 3) line += " ";
      lines.push(line + " " + ascii);
    }
    return lines.join("\n");
  }

  function close() {
    panel.hidden = true;
    if (selected) selected.classList.remove("selected");
    selected = null;
  }

  function show(g) {
    if (selected) selected.classList.remove("selected");
    selected = g;
    g.classList.add("selected");
    var t = g.querySelector("title");
    var s = t ? t.textContent : "";
    var sent = g.getAttribute("data-hex");
    var got = g.getAttribute("data-hex-received");
    if (sent) s += "\n\n" + (got ? "sent:\n" : "") + hexdump(sent);
    if (got) s += "\n\nreceived (differs):\n" + hexdump(got);
    text.textContent = s;
    panel.hidden = false;
  }

  document.addEventListener("click", function (e) {
    var g = e.target.closest ? e.target.closest(".arrow, .event, .lane-mark") : null;
    if (g) show(g);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") close();
  });
  document.getElementById("detail-close").addEventListener("click", function (e) {
    e.stopPropagation();
    close();
  });
  document.documentElement.setAttribute("data-ready", "true");
})();
