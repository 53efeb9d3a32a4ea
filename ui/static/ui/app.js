/* Nudge marketer UI: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  /* Confirm destructive actions; double-submit protection for every POST form. */
  function enhanceForms() {
    $all("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    $all("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) { return; }
        $all("button[type=submit]", form).forEach(function (button) {
          setTimeout(function () { button.disabled = true; }, 0);
        });
      });
    });
    var summary = $("#error-summary");
    if (summary) { summary.focus(); }
  }

  /* --- New / Edit campaign ------------------------------------------------------------ */
  function campaignForm() {
    var form = $("#campaign-form");
    if (!form) { return; }

    function scheduleType() {
      var checked = $("input[name=scheduleType]:checked", form);
      return checked ? checked.value : "manual";
    }
    function toggleScheduleParts() {
      var type = scheduleType();
      var cron = $("#f-scheduleCron").value.trim();
      $all("[data-schedule-part]", form).forEach(function (part) {
        var kind = part.getAttribute("data-schedule-part");
        var show = kind === "time" ? (type !== "manual" || cron !== "") : (kind === type && cron === "");
        part.hidden = !show && !part.classList.contains("has-error");
      });
    }

    var previewBox = $("#schedule-preview [data-preview-body]");
    var previewUrl = form.getAttribute("data-preview-url");
    var previewSeq = 0;
    function renderPreview(data) {
      previewBox.textContent = "";
      if (!data.ok) {
        var keys = Object.keys(data.errors || {});
        var labels = {
          scheduleTime: "Time of day", scheduleTimezone: "Timezone", scheduleDayOfWeek: "Day of the week",
          scheduleDayOfMonth: "Day of the month", scheduleCron: "Cron expression", scheduleType: "Schedule"
        };
        keys.forEach(function (key) {
          previewBox.appendChild(el("p", { "class": "error-text" }, (labels[key] || key) + ": " + data.errors[key]));
        });
        return;
      }
      previewBox.appendChild(el("p", { "class": "preview-description" }, data.description));
      if (data.runs.length) {
        var list = el("ol", { "class": "preview-runs" });
        data.runs.forEach(function (item) {
          var li = el("li");
          li.appendChild(el("time", { datetime: item.at }, item.local));
          list.appendChild(li);
        });
        previewBox.appendChild(list);
      }
    }
    var refreshPreview = debounce(function () {
      var params = new URLSearchParams();
      ["scheduleTime", "scheduleTimezone", "scheduleDayOfWeek", "scheduleDayOfMonth", "scheduleCron"].forEach(function (name) {
        var input = form.elements[name];
        if (input) { params.set(name, input.value); }
      });
      params.set("scheduleType", scheduleType());
      var seq = ++previewSeq;
      getJSON(previewUrl + "?" + params.toString()).then(function (data) {
        if (seq === previewSeq) { renderPreview(data); }
      }).catch(function () { /* keep the last preview */ });
    }, 250);

    function onScheduleChange() { toggleScheduleParts(); refreshPreview(); }
    $all("input[name=scheduleType]", form).forEach(function (input) { input.addEventListener("change", onScheduleChange); });
    ["f-scheduleTime", "f-scheduleTimezone", "f-scheduleDayOfWeek", "f-scheduleDayOfMonth", "f-scheduleCron"].forEach(function (id) {
      var input = document.getElementById(id);
      if (!input) { return; }
      input.addEventListener("input", onScheduleChange);
      input.addEventListener("change", onScheduleChange);
    });
    toggleScheduleParts();

    /* Segment size, live. */
    var segmentSelect = $("#f-segmentId");
    var countOut = $("#segment-count");
    var countUrl = form.getAttribute("data-segment-count-url");
    var defaultCountText = countOut ? countOut.textContent : "";
    function refreshCount() {
      if (!segmentSelect || !countOut) { return; }
      var id = segmentSelect.value;
      if (!id) { countOut.textContent = defaultCountText; return; }
      countOut.textContent = "Counting customers…";
      getJSON(countUrl.replace("SEGMENT_ID", encodeURIComponent(id))).then(function (data) {
        if (segmentSelect.value !== id) { return; }
        if (data.count === null || data.count === undefined) {
          countOut.textContent = data.name + " has not been counted yet.";
          return;
        }
        var n = Number(data.count);
        var when = data.countedAt ? " (counted " + new Date(data.countedAt).toLocaleString() + ")" : "";
        countOut.textContent = n.toLocaleString() + " customer" + (n === 1 ? "" : "s") + " in " + data.name + when + ".";
      }).catch(function () { countOut.textContent = "Could not count this segment's customers."; });
    }
    if (segmentSelect) { segmentSelect.addEventListener("change", refreshCount); refreshCount(); }

    /* S3 path only matters for the S3 destination. */
    function toggleDestination() {
      var checked = $("input[name='fileConfig.destination']:checked", form);
      var s3 = checked && checked.value === "s3";
      $all("[data-destination-part=s3]", form).forEach(function (part) {
        part.hidden = !s3 && !part.classList.contains("has-error");
      });
    }
    $all("input[name='fileConfig.destination']", form).forEach(function (input) { input.addEventListener("change", toggleDestination); });
    toggleDestination();

    /* Column order and the sample row. */
    var picker = $("#f-fileConfig-columns");
    var sampleNode = document.getElementById("sample-data");
    var sample = sampleNode ? JSON.parse(sampleNode.textContent) : {};
    var table = $("#sample-table");
    function renderSample() {
      if (!picker || !table) { return; }
      var head = el("tr");
      var row = el("tr");
      $all("input[name='fileConfig.columns']:checked", picker).forEach(function (box) {
        head.appendChild(el("th", { scope: "col" }, box.value));
        row.appendChild(el("td", {}, sample[box.value] === undefined ? "" : String(sample[box.value])));
      });
      if (!head.children.length) {
        head.appendChild(el("th", { scope: "col" }, "(no columns)"));
        row.appendChild(el("td", {}, "Tick at least one column."));
      }
      table.tHead.replaceChildren(head);
      table.tBodies[0].replaceChildren(row);
    }
    if (picker) {
      $all(".move", picker).forEach(function (span) { span.hidden = false; });
      picker.addEventListener("change", renderSample);
      picker.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-move]");
        if (!button) { return; }
        var item = button.closest("li");
        if (button.getAttribute("data-move") === "up" && item.previousElementSibling) {
          picker.insertBefore(item, item.previousElementSibling);
        } else if (button.getAttribute("data-move") === "down" && item.nextElementSibling) {
          picker.insertBefore(item.nextElementSibling, item);
        }
        button.focus();
        renderSample();
      });
      renderSample();
    }
  }

  /* --- Run progress ---------------------------------------------------------------------- */
  function runProgress() {
    var block = $("#run-progress");
    if (!block) { return; }
    var url = block.getAttribute("data-progress-url");
    var bar = $(".progress", block);
    var fill = $(".progress-bar", block);
    var hint = $("[data-no-js-hint]", block);
    var status = $("#run-status");
    if (hint) { hint.hidden = true; }
    var failures = 0;

    function show(data) {
      var percent = Math.max(0, Math.min(100, Number(data.percent) || 0));
      fill.style.width = percent + "%";
      bar.setAttribute("aria-valuenow", String(percent));
      bar.setAttribute("aria-valuetext", percent + "%");
      $("[data-percent]", block).textContent = percent + "%";
      $("[data-processed]", block).textContent = Number(data.processed || 0).toLocaleString();
      $("[data-total]", block).textContent = Number(data.total || 0).toLocaleString();
      var chunks = $("[data-chunks]", block);
      if (chunks) { chunks.textContent = data.chunksDone + "/" + data.chunkCount; }
      if (status) {
        status.textContent = data.statusLabel;
        status.className = "badge badge-" + data.status;
      }
    }
    function poll() {
      getJSON(url).then(function (data) {
        failures = 0;
        show(data);
        if (data.finished) {
          block.setAttribute("data-finished", "true");
          // The finished run's stats, charts and results are rendered by the server.
          setTimeout(function () { window.location.reload(); }, 400);
          return;
        }
        setTimeout(poll, 700);
      }).catch(function () {
        failures += 1;
        setTimeout(poll, Math.min(10000, 700 * Math.pow(2, failures)));
      });
    }
    setTimeout(poll, 300);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceForms();
    campaignForm();
    runProgress();
  });
})();
