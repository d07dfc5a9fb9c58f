// Draws the changes-per-day chart with Chart.js (served beside this file). The series come from
// the canvas's data-chart attribute, which the server escapes; nothing here is inline in the page.
(function () {
  const canvas = document.getElementById('changes-chart');
  if (canvas === null || typeof Chart === 'undefined') return;
  const chart = JSON.parse(canvas.getAttribute('data-chart') || '{"days":[],"series":[]}');
  const colours = ['#2f5bd3', '#7a5af8', '#d92d20', '#f79009', '#12b76a', '#667085'];
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: chart.days,
      datasets: chart.series.map(function (series, index) {
        return { label: series.label, data: series.values, backgroundColor: colours[index % colours.length] };
      }),
    },
    options: {
      // Drawn at once: a screenshot or a test sees the finished chart.
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: false }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
})();
