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
          text(p.name_ar) + "</span><br>" + text(p.kind.replace(/_/g, " ")) + " · revision " + text(p.revision));
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
    const radius = p.radius_m > 0 ? " ±" + (p.radius_m / 1000).toFixed(1) + " km" : "";
    const where = p.method === "unplaced" ? "<br>in no loaded unit" :
      unitLine(p.adm1) + unitLine(p.adm2) + unitLine(p.adm3) +
      (p.nearest ? "<br>(just outside the outlines: nearest unit)" : "");
    return text(p.event_type.replace(/_/g, " ")) + "<br>" + text(p.occurred_from) + "<br>" +
      text(p.place) + where + "<br>precision: " + text(p.precision) + radius +
      (p.source_precision ? " (" + text(p.source_precision) + ")" : "") +
      (p.method === "resolved" ? "<br>from the place name, confidence " + text(p.confidence) : "");
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
      add("Governorates", outline, true);
      add("Districts", outlineLayer(districts, 0.5), false);
      if (governorates.features.length) map.fitBounds(outline.getBounds(), { animate: false });
      const agreement = params.get("agreement") || "";
      const zones = await fetchJson("/map/layers/zones" + (agreement ? "?agreement=" + encodeURIComponent(agreement) : ""));
      add("Zones", zoneLayer(zones), true);
      const query = new URLSearchParams();
      for (const name of ["since", "until", "type"]) {
        if (params.get(name)) query.set(name, params.get(name));
      }
      const reports = await fetchJson("/map/layers/reports?" + query.toString());
      add("Reports", reportLayer(reports), true);
      status.textContent = reports.features.length + " reports with a known place; " +
        zones.features.length + " zones." +
        (reports.truncated ? " More reports match: narrow the dates to see them all." : "");
    } catch (error) {
      status.textContent = "Could not load a layer: " + error.message;
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
