/* Draws the dashboards' charts with Chart.js from the numbers the page embeds as JSON
   (<script type="application/json" id="dashboard-charts">, written by Django's json_script,
   so no inline script is needed and the Content-Security-Policy holds). Each chart's numbers
   are also on the page as a table and downloadable, so nothing depends on this file. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var specs = JSON.parse(source.textContent);
  var locale = document.documentElement.lang || "zh-hans";
  // Colours that stay apart for the colour-blind (Okabe–Ito).
  var palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

  function config(spec) {
    var kind = spec.kind;
    var type = kind === "stacked" || kind === "horizontal" ? "bar" : kind;
    var round = kind === "doughnut";
    var datasets = spec.series.map(function (series, index) {
      var colour = round ? spec.labels.map(function (_, i) { return palette[i % palette.length]; })
                         : palette[index % palette.length];
      return {
        label: series.name,
        data: series.values,
        backgroundColor: colour,
        borderColor: round ? "#fff" : colour,
        fill: false,
        tension: 0.2
      };
    });
    var options = {
      locale: locale,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: round || spec.series.length > 1, position: "bottom" } }
    };
    if (!round) {
      options.scales = { x: { stacked: kind === "stacked" }, y: { stacked: kind === "stacked", beginAtZero: true } };
    }
    if (kind === "horizontal") {
      options.indexAxis = "y";
      options.scales = { x: { beginAtZero: true } };
    }
    return { type: type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  specs.forEach(function (spec) {
    var canvas = document.querySelector("canvas[data-chart='" + spec.key + "']");
    if (canvas) {
      canvas.chart = new Chart(canvas, config(spec));
      canvas.setAttribute("data-drawn", "true");
    }
  });
})();
