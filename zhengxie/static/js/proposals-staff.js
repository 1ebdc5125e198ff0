/* The proposal office's pages (proposals/views/staff.py). Everything here is a convenience: without script
   the forms still work, every field shows and the server checks the combinations.

   - Assignment forms: show only the unit fields the chosen 办理方式 uses (the others are disabled, so they
     are not sent), and put "采用" buttons on the routing suggestions that pick the suggested unit.
   - The desk: "全选本页" and the number of selected proposals on the bulk button. */
(function () {
  "use strict";

  function modeOf(form) {
    var checked = form.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : "";
  }

  function syncModes(form) {
    var mode = modeOf(form);
    form.querySelectorAll("[data-modes]").forEach(function (box) {
      var on = box.getAttribute("data-modes").split(" ").indexOf(mode) !== -1;
      box.hidden = !on;
      box.querySelectorAll("input, select").forEach(function (control) { control.disabled = !on; });
    });
    syncLead(form);
  }

  // The lead unit cannot also assist: its box in the assisting list is cleared and disabled.
  function syncLead(form) {
    var lead = form.querySelector('select[name="lead"]');
    if (!lead) { return; }
    form.querySelectorAll('input[name="assist"]').forEach(function (box) {
      var isLead = !lead.disabled && lead.value !== "" && box.value === lead.value;
      if (isLead) { box.checked = false; }
      var hidden = box.closest("[data-modes]");
      box.disabled = isLead || (hidden ? hidden.hidden : false);
      var label = box.closest("label");
      if (label) { label.classList.toggle("is-lead", isLead); }
    });
  }

  function setMode(form, mode) {
    var radio = form.querySelector('input[name="mode"][value="' + mode + '"]');
    if (radio && !radio.checked) {
      radio.checked = true;
      syncModes(form);
    }
  }

  function unitName(form, unitId) {
    var option = form.querySelector('select[name="lead"] option[value="' + unitId + '"]');
    return option ? option.textContent.trim() : "";
  }

  function checkbox(form, name, unitId) {
    return form.querySelector('input[name="' + name + '"][value="' + unitId + '"]');
  }

  function announce(source, text) {
    var status = source.querySelector("[data-adopt-status]");
    if (status) { status.textContent = text; }
  }

  // 采用: the suggested unit becomes the lead (or, in 分办, one of the split units).
  function adopt(form, source, unitId) {
    var name = unitName(form, unitId);
    if (!name) {
      announce(source, "该单位不在可选的承办单位中。");
      return;
    }
    if (modeOf(form) === "split") {
      var box = checkbox(form, "split", unitId);
      if (box) { box.checked = true; }
      announce(source, "已把" + name + "加为分办单位。");
      return;
    }
    var lead = form.querySelector('select[name="lead"]');
    lead.value = unitId;
    syncLead(form);
    announce(source, "已选" + name + "为主办单位。");
  }

  // 加为协办: switches 单办 to 主办+协办 when needed.
  function addAssist(form, source, unitId) {
    var name = unitName(form, unitId);
    if (!name) {
      announce(source, "该单位不在可选的承办单位中。");
      return;
    }
    if (modeOf(form) !== "lead_assist") { setMode(form, "lead_assist"); }
    var lead = form.querySelector('select[name="lead"]');
    if (lead.value === String(unitId)) {
      lead.value = "";
      syncLead(form);
    }
    var box = checkbox(form, "assist", unitId);
    if (box) { box.checked = true; }
    announce(source, "已把" + name + "加为协办单位，办理方式为主办+协办。");
  }

  function decorateSuggestions(source) {
    var form = document.getElementById(source.getAttribute("data-adopt-into"));
    if (!form) { return; }
    source.querySelectorAll(".routing-item[data-unit-id]").forEach(function (item) {
      if (item.querySelector(".adopt-actions")) { return; }
      var unitId = item.getAttribute("data-unit-id");
      var name = unitName(form, unitId);
      if (!name) { return; }
      var actions = document.createElement("p");
      actions.className = "adopt-actions";
      var lead = document.createElement("button");
      lead.type = "button";
      lead.className = "btn btn-small";
      lead.textContent = "采用 " + name;
      lead.addEventListener("click", function () { adopt(form, source, unitId); });
      var assist = document.createElement("button");
      assist.type = "button";
      assist.className = "btn btn-small btn-secondary";
      assist.textContent = "加为协办 " + name;
      assist.addEventListener("click", function () { addAssist(form, source, unitId); });
      actions.appendChild(lead);
      actions.appendChild(document.createTextNode(" "));
      actions.appendChild(assist);
      item.appendChild(actions);
    });
  }

  function bulkCount(formId) {
    var button = document.querySelector('[data-bulk-count="' + formId + '"]');
    if (!button) { return; }
    if (!button.hasAttribute("data-label")) { button.setAttribute("data-label", button.textContent.trim()); }
    var n = document.querySelectorAll('input[name="ids"][form="' + formId + '"]:checked').length;
    button.textContent = button.getAttribute("data-label") + (n ? "（已选 " + n + " 件）" : "");
  }

  function setUpDesk() {
    document.querySelectorAll("[data-select-all]").forEach(function (label) {
      var formId = label.getAttribute("data-select-all");
      var boxes = document.querySelectorAll('input[name="ids"][form="' + formId + '"]');
      if (!boxes.length) { return; }
      label.hidden = false;
      var all = label.querySelector("input");
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
        bulkCount(formId);
      });
      boxes.forEach(function (box) {
        box.addEventListener("change", function () {
          all.checked = Array.prototype.every.call(boxes, function (b) { return b.checked; });
          bulkCount(formId);
        });
      });
      bulkCount(formId);
    });
  }

  function setUp() {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-mode-switch]")) { return; }
      syncModes(form);
      form.querySelectorAll('input[name="mode"]').forEach(function (radio) {
        radio.addEventListener("change", function () { syncModes(form); });
      });
      var lead = form.querySelector('select[name="lead"]');
      if (lead) { lead.addEventListener("change", function () { syncLead(form); }); }
    });
    document.querySelectorAll("[data-adopt-into]").forEach(decorateSuggestions);
    setUpDesk();
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.target.closest ? event.target.closest("[data-adopt-into]") : null;
    if (source) { decorateSuggestions(source); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}());
