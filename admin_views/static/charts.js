/* Lotse: draws the charts of the dashboard and the steering report with the vendored
   Chart.js (static/vendor/chart.js). Each <canvas data-chart="ID"> names a
   <script type="application/json" id="ID"> block holding
   {type, labels, datasets: [{label, data}], horizontal, stacked, percent}.
   The table next to each chart shows the same numbers for screen readers, keyboard users
   and print (BITV 2.0); the charts themselves are marked as images with a label.
   No inline script and no eval, so the Content-Security-Policy stays strict. */
(function () {
  "use strict";

  // Colours that stay apart for common colour-vision deficiencies (Okabe-Ito, darkened
  // where needed for contrast against white).
  var PALETTE = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#8A6D00",
    "#56B4E9",
    "#5F5F5F",
    "#E69F00"
  ];

  function colour(index) {
    return PALETTE[index % PALETTE.length];
  }

  function numberFormat(locale, percent) {
    var format = new Intl.NumberFormat(
      locale,
      percent ? { style: "percent", maximumFractionDigits: 0 } : { maximumFractionDigits: 1 }
    );
    return function (value) {
      return format.format(value);
    };
  }

  function config(spec, locale) {
    var type = spec.type;
    var format = numberFormat(locale, spec.percent);
    var datasets = spec.datasets.map(function (dataset, index) {
      var result = { label: dataset.label, data: dataset.data };
      if (type === "doughnut") {
        result.backgroundColor = dataset.data.map(function (_value, i) {
          return colour(i);
        });
        result.borderColor = "#ffffff";
      } else if (type === "line") {
        result.borderColor = colour(index);
        result.backgroundColor = colour(index);
        result.pointStyle = ["circle", "rect", "triangle", "rectRot"][index % 4];
        result.pointRadius = 4;
        result.tension = 0;
        result.fill = false;
      } else {
        result.backgroundColor = colour(index);
        result.borderColor = colour(index);
      }
      return result;
    });
    var options = {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      locale: locale,
      plugins: {
        legend: { display: type === "doughnut" || datasets.length > 1, position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (context) {
              var value = context.parsed;
              if (typeof value === "object" && value !== null) {
                value = spec.horizontal ? value.x : value.y;
              }
              var name = type === "doughnut" ? context.label : context.dataset.label;
              return name + ": " + format(value);
            }
          }
        }
      }
    };
    if (type !== "doughnut") {
      var valueAxis = {
        beginAtZero: true,
        stacked: Boolean(spec.stacked),
        ticks: { precision: 0, callback: format }
      };
      if (spec.percent) {
        valueAxis.max = 1;
        valueAxis.ticks = { callback: format, stepSize: 0.25 };
      }
      var categoryAxis = { stacked: Boolean(spec.stacked) };
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = spec.horizontal
        ? { x: valueAxis, y: categoryAxis }
        : { x: categoryAxis, y: valueAxis };
    }
    return { type: type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    if (spec.horizontal) {
      // One bar per row: give long lists room.
      var height = Math.max(160, 48 + spec.labels.length * 28);
      canvas.parentNode.style.height = height + "px";
    }
    var locale = document.documentElement.lang || "de";
    new window.Chart(canvas, config(spec, locale));
    canvas.setAttribute("data-chart-drawn", "true");
  }

  function drawAll() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }

  // The report's print button.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-lotse-print]")) {
      window.print();
    }
  });
})();
