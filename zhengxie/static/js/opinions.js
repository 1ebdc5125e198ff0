/* 社情民意 pages (opinions/views). A convenience only: without script the server still counts the
   characters and warns past the soft limit when the form is saved.

   - Bodies with data-soft-limit: a live character count under the box, and a warning once the text is
     past the limit (announced once when it crosses, not on every keystroke).
   - The desk: how many items are ticked for the bulk bar, and a 全选本页 box.
   - Side-by-side versions folded on a phone (the diff above them shows every change). */
(function () {
  "use strict";

  function countChars(text) {
    return text.trim().length;
  }

  function setupCount(box) {
    var limit = parseInt(box.getAttribute("data-soft-limit"), 10);
    var count = document.querySelector('[data-count-for="' + box.id + '"]');
    if (!count || !limit) { return; }
    count.removeAttribute("aria-live");  // the number itself changes too often to be read out
    var alert = document.createElement("p");
    alert.className = "message message-warning op-warning";
    alert.setAttribute("role", "status");
    alert.hidden = true;
    count.parentNode.insertBefore(alert, count.nextSibling);
    var over = null;
    function update() {
      var n = countChars(box.value);
      count.textContent = "已写 " + n + " 字（建议不超过 " + limit + " 字）";
      count.classList.toggle("over", n > limit);
      var nowOver = n > limit;
      if (nowOver !== over) {
        over = nowOver;
        alert.hidden = !nowOver;
        alert.textContent = nowOver ? "正文已超过 " + limit + " 字，社情民意一般不超过 " + limit + " 字，建议精简，一事一报。" : "";
        document.querySelectorAll("[data-server-warning]").forEach(function (w) { w.hidden = true; });
      }
    }
    box.addEventListener("input", update);
    update();
  }

  // The desk's bulk bar: how many items are ticked, and 全选本页 (shown only when script runs).
  function setupBulk(form) {
    var boxes = document.querySelectorAll('input[name="ids"][form="' + form.id + '"]');
    var count = form.querySelector("[data-selected-count]");
    var all = form.querySelector("[data-select-all]");
    if (!boxes.length) { return; }
    function update() {
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) { n += 1; } });
      if (count) { count.textContent = n ? "已选 " + n + " 条" : ""; }
      if (all) { all.querySelector("input").checked = n === boxes.length; }
    }
    if (all) {
      all.hidden = false;
      all.querySelector("input").addEventListener("change", function (e) {
        boxes.forEach(function (b) { b.checked = e.target.checked; });
        update();
      });
    }
    document.addEventListener("change", function (e) {
      if (e.target && e.target.name === "ids") { update(); }
    });
    update();
  }

  // Side-by-side versions under a diff: on a phone they would be the third copy of the text, so folded.
  function foldOnPhone() {
    if (!window.matchMedia("(max-width: 47.99rem)").matches) { return; }
    document.querySelectorAll("details[data-fold-on-phone]").forEach(function (d) { d.open = false; });
  }

  function init() {
    foldOnPhone();
    document.querySelectorAll("textarea[data-soft-limit]").forEach(setupCount);
    document.querySelectorAll("form[data-bulk]").forEach(setupBulk);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
