// annobib's home map: the "Colour by year" toggle (render/timeline.py, templates/_map_years*.md.j2).
// Each marker of the map carries data-year (a paper's year, or a cell's mean year); the year
// legend carries the colour scale (data-scale: equally spaced stops; data-first, data-last).
// Pressing the button paints every marker by year (markers without a year: hollow) and shows
// the year legend in place of the themes'; pressing it again restores the theme colours.
// The same scale as timeline.year_colour: t = (year - first) / (last - first), linear between stops.
(() => {
  const hex = (colour) => [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
  const scaleOf = (legend) => {
    const stops = legend.getAttribute("data-scale").trim().split(/\s+/).map(hex);
    const first = Number(legend.getAttribute("data-first"));
    const last = Number(legend.getAttribute("data-last"));
    return (year) => {
      const t = last > first ? Math.min(Math.max((year - first) / (last - first), 0), 1) : 0;
      const position = t * (stops.length - 1);
      const low = Math.min(Math.floor(position), stops.length - 2);
      const frac = position - low;
      const rgb = stops[low].map((a, i) => Math.round(a + (stops[low + 1][i] - a) * frac));
      return "#" + rgb.map((c) => c.toString(16).padStart(2, "0").toUpperCase()).join("");
    };
  };

  for (const button of document.querySelectorAll("button[data-annobib-map-toggle]")) {
    const figure = button.closest("figure");
    const plot = figure && figure.querySelector("svg.annobib-map-plot");
    const years = figure && figure.querySelector("ul.annobib-year-legend");
    if (!plot || !years) continue;
    const themes = figure.querySelector("ul.annobib-legend:not(.annobib-year-legend)");
    const colour = scaleOf(years);
    const markers = plot.querySelectorAll(":is(g.points, g.cells) :is(circle, rect, polygon)");

    const paint = (byYear) => {
      for (const marker of markers) {
        if (!byYear) {
          marker.style.removeProperty("fill");
          continue;
        }
        const year = marker.getAttribute("data-year");
        marker.style.fill = year ? colour(Number(year)) : "none";
      }
      button.setAttribute("aria-pressed", byYear ? "true" : "false");
      years.hidden = !byYear;
      if (themes) themes.hidden = byYear;
      figure.classList.toggle("annobib-map-by-year", byYear);
    };

    button.addEventListener("click", () => paint(button.getAttribute("aria-pressed") !== "true"));
    button.parentElement.hidden = false;    // shown only where this script runs
  }
})();
