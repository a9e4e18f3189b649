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

  function reportLayer(data) {
    const group = L.layerGroup();
    for (const feature of data.features) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      const popup = text(p.event_type.replace(/_/g, " ")) + "<br>" + text(p.occurred_from) + "<br>" +
        text(p.place) + "<br>precision: " + text(p.precision) +
        (p.radius_m > 0 ? " ±" + (p.radius_m / 1000).toFixed(1) + " km" : "");
      if (p.radius_m > 0) {
        // The halo: the report lies somewhere inside, not at the centre.
        L.circle([lat, lon], { radius: p.radius_m, color: "#b00", weight: 1, fillOpacity: 0.08 })
          .bindPopup(popup).addTo(group);
      }
      L.circleMarker([lat, lon], { radius: p.radius_m > 0 ? 3 : 5, color: "#b00", fillOpacity: 0.9 })
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
        zones.features.length + " zones.";
    } catch (error) {
      status.textContent = "Could not load a layer: " + error.message;
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
