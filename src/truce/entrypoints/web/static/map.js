// The map page: local GeoJSON layers over no tiles. Served from this origin (CSP: 'self').
"use strict";

(function () {
  const ZONE_COLOURS = {
    area_of_application: "#1f77b4",
    line_of_contact: "#d62728",
    protected_site: "#2ca02c",
    de_escalation_area: "#ff7f0e",
    buffer_zone: "#9467bd",
    other: "#7f7f7f",
  };

  // The page's words, translated by the server into data-t-* attributes of #map (map.html);
  // "{name}" in them stands for a value. English stays as a fallback.
  const WORDS = {
    governorates: "Governorates", districts: "Districts", zones: "Zones", reports: "Reports",
    status: "{reports} reports with a known place; {zones} zones.",
    truncated: "More reports match: narrow the dates to see them all.",
    failed: "Could not load a layer: {error}", revision: "revision {number}",
    unplaced: "in no loaded unit", nearest: "(just outside the outlines: nearest unit)",
    precision: "precision: {precision}",
    resolved: "from the place name, confidence {confidence}", km: "{distance} km",
  };
  let EVENT_LABELS = {};
  // Zone kinds ("protected_site") named in the page's language.
  let ZONE_KINDS = {};
  // Precision codes (ours and the sources' own, e.g. "acled:2") described in the page's language.
  let PRECISIONS = {};
  let NUMBERS = new Intl.NumberFormat("en");

  function learnWords(element) {
    for (const key of Object.keys(WORDS)) {
      const attribute = "t" + key.charAt(0).toUpperCase() + key.slice(1);
      if (element.dataset[attribute]) WORDS[key] = element.dataset[attribute];
    }
    try {
      EVENT_LABELS = JSON.parse(element.dataset.eventLabels || "{}");
    } catch (error) {
      EVENT_LABELS = {};
    }
    try {
      ZONE_KINDS = JSON.parse(element.dataset.zoneKinds || "{}");
    } catch (error) {
      ZONE_KINDS = {};
    }
    try {
      PRECISIONS = JSON.parse(element.dataset.precisions || "{}");
    } catch (error) {
      PRECISIONS = {};
    }
    NUMBERS = new Intl.NumberFormat(document.documentElement.lang || "en");
  }

  function say(key, values) {
    return WORDS[key].replace(/\{(\w+)\}/g, (whole, name) =>
      values && name in values ? String(values[name]) : whole);
  }

  function eventLabel(code) {
    return EVENT_LABELS[code] || code.replace(/_/g, " ");
  }

  function zoneKind(code) {
    return ZONE_KINDS[code] || code.replace(/_/g, " ");
  }

  function precision(code) {
    return code ? PRECISIONS[code] || code : code;
  }

  function text(value) {
    const span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span.innerHTML;
  }

  async function fetchJson(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  function outlineLayer(data, weight) {
    return L.geoJSON(data, {
      style: { color: "#555", weight: weight, fill: weight > 1, fillOpacity: 0.03 },
      onEachFeature: function (feature, layer) {
        const p = feature.properties;
        layer.bindTooltip(text(p.name_en) + " · <span dir=\"rtl\">" + text(p.name_ar) + "</span> · " + text(p.pcode));
      },
    });
  }

  function zoneLayer(data) {
    return L.geoJSON(data, {
      style: function (feature) {
        const colour = ZONE_COLOURS[feature.properties.kind] || ZONE_COLOURS.other;
        return { color: colour, weight: 3, fillOpacity: 0.15 };
      },
      pointToLayer: function (feature, latlng) {
        const colour = ZONE_COLOURS[feature.properties.kind] || ZONE_COLOURS.other;
        return L.circleMarker(latlng, { radius: 8, color: colour, fillOpacity: 0.6 });
      },
      onEachFeature: function (feature, layer) {
        const p = feature.properties;
        layer.bindPopup("<span class=\"zone-label\">" + text(p.name) + "</span> <span dir=\"rtl\">" +
          text(p.name_ar) + "</span><br>" + text(zoneKind(p.kind)) + " · " + text(say("revision", { number: p.revision })));
      },
    });
  }

  function unitLine(unit) {
    if (!unit) return "";
    return "<br>" + text(unit.name_en || unit.pcode) +
      (unit.name_ar ? " · <span dir=\"rtl\">" + text(unit.name_ar) + "</span>" : "") +
      " · " + text(unit.pcode);
  }

  function reportPopup(p) {
    const kilometres = (p.radius_m / 1000).toLocaleString(document.documentElement.lang || "en",
      { maximumFractionDigits: 1, minimumFractionDigits: 1 });
    const radius = p.radius_m > 0 ? " ±" + say("km", { distance: kilometres }) : "";
    const where = p.method === "unplaced" ? "<br>" + text(say("unplaced")) :
      unitLine(p.adm1) + unitLine(p.adm2) + unitLine(p.adm3) +
      (p.nearest ? "<br>" + text(say("nearest")) : "");
    return text(eventLabel(p.event_type)) + "<br>" + text(p.occurred_from) + "<br>" +
      "<span dir=\"auto\">" + text(p.place) + "</span>" + where + "<br>" +
      text(say("precision", { precision: precision(p.precision) })) + text(radius) +
      (p.source_precision ? " (" + text(precision(p.source_precision)) + ")" : "") +
      (p.method === "resolved" ? "<br>" + text(say("resolved", { confidence: p.confidence })) : "");
  }

  function reportLayer(data) {
    // Exact reports are points; every other report is a halo of the radius it lies within,
    // with a faint centre, never a point that claims more than the source knows.
    const group = L.layerGroup();
    for (const feature of data.features) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      const popup = reportPopup(p);
      if (p.exact) {
        L.circleMarker([lat, lon], { radius: 5, color: "#b00", fillOpacity: 0.9 })
          .bindPopup(popup).addTo(group);
        continue;
      }
      L.circle([lat, lon], { radius: Math.max(p.radius_m, 500), color: "#b00", weight: 1,
        dashArray: "4 3", fillOpacity: 0.08 }).bindPopup(popup).addTo(group);
      L.circleMarker([lat, lon], { radius: 2, color: "#b00", weight: 1, fillOpacity: 0.4 })
        .bindPopup(popup).addTo(group);
    }
    return group;
  }

  async function start() {
    const element = document.getElementById("map");
    if (!element || typeof L === "undefined") return;
    learnWords(element);
    const status = document.getElementById("map-status");
    const form = document.getElementById("map-filters");
    const params = new URLSearchParams(window.location.search);
    for (const [name, value] of params) {
      if (form.elements[name]) form.elements[name].value = value;
    }
    const map = L.map(element, { zoomSnap: 0.25 }).setView([35.0, 38.5], 6.5);
    const overlays = {};
    const control = L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    const add = function (name, layer, show) {
      control.addOverlay(layer, name);
      if (show) layer.addTo(map);
    };
    try {
      const [governorates, districts] = await Promise.all([
        fetchJson("/map/layers/outlines/1"), fetchJson("/map/layers/outlines/2"),
      ]);
      const outline = outlineLayer(governorates, 2);
      add(say("governorates"), outline, true);
      add(say("districts"), outlineLayer(districts, 0.5), false);
      if (governorates.features.length) map.fitBounds(outline.getBounds(), { animate: false });
      const agreement = params.get("agreement") || "";
      const zones = await fetchJson("/map/layers/zones" + (agreement ? "?agreement=" + encodeURIComponent(agreement) : ""));
      add(say("zones"), zoneLayer(zones), true);
      const query = new URLSearchParams();
      for (const name of ["since", "until", "type"]) {
        if (params.get(name)) query.set(name, params.get(name));
      }
      const reports = await fetchJson("/map/layers/reports?" + query.toString());
      add(say("reports"), reportLayer(reports), true);
      status.textContent = say("status", {
        reports: NUMBERS.format(reports.features.length),
        zones: NUMBERS.format(zones.features.length),
      }) + (reports.truncated ? " " + say("truncated") : "");
    } catch (error) {
      status.textContent = say("failed", { error: error.message });
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
