/* Scout's network view: a Streamlit component (API v1) drawing an account map with sigma.js.
 *
 * Python (ui/app_network.py) sends one payload: columnar node arrays (label, x, y, size,
 * colour, ring = employee, and rank, score, community, interactions for the tooltip) and edge index arrays. Nothing else is fetched.
 * A click on a node sends {view, node, at} back, `node` being the index in those arrays:
 * account keys never reach the browser. When the first frame is drawn, <body> gets
 * data-rendered="<view>", data-nodes, data-edges and data-render-ms (benchmarks and tests
 * wait for them); when WebGL is missing, data-error says so.
 */
(function () {
  "use strict";

  const mapEl = document.getElementById("map");
  const legendEl = document.getElementById("legend");
  const tipEl = document.getElementById("tip");
  const statusEl = document.getElementById("status");
  const findEl = document.getElementById("find");
  const labelsEl = document.getElementById("labels");
  let renderer = null;
  let currentView = null;
  let nodeCount = 0;
  let hovered = null;
  let picked = null;
  let graph = null;
  let lastHeight = 0;

  function send(type, extra) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra), "*");
  }

  function setHeight(h) {
    if (h !== lastHeight) {
      lastHeight = h;
      send("streamlit:setFrameHeight", { height: h });
    }
  }

  function webglAvailable() {
    try {
      const c = document.createElement("canvas");
      return !!(c.getContext("webgl2") || c.getContext("webgl"));
    } catch (e) {
      return false;
    }
  }

  function fail(message) {
    statusEl.textContent = message;
    statusEl.className = "error";
    document.body.dataset.error = message;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({
      "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    })[c]);
  }

  function drawLegend(data) {
    const rows = (data.legend || []).map(([label, color]) =>
      `<div><span class="dot" style="background:${escapeHtml(color)}"></span>${escapeHtml(label)}</div>`);
    if (data.ring_label) {
      rows.push(`<div><span class="dot ring"></span>${escapeHtml(data.ring_label)}</div>`);
    }
    if (data.size_label) rows.push(`<div style="color:#6b6f80">${escapeHtml(data.size_label)}</div>`);
    legendEl.innerHTML = rows.join("");
    legendEl.hidden = rows.length === 0;
  }

  function tooltip(nd, i) {
    const rank = nd.rank[i];
    const lines = [`<b>${escapeHtml(nd.label[i])}</b>`];
    let line = rank > 0 ? `rank ${rank.toLocaleString("en")} · score ${nd.score[i].toFixed(1)}`
      : "not ranked";
    if (nd.community[i] >= 0) line += ` · community ${nd.community[i]}`;
    lines.push(line);
    lines.push(`${nd.ring[i] ? "employee" : "external"} · ` +
      `${nd.interactions[i].toLocaleString("en")} interactions`);
    return lines.join("<br>");
  }

  function neighbourhood(node) {
    const keep = new Set([node]);
    graph.forEachNeighbor(node, (n) => keep.add(n));
    return keep;
  }

  function build(data, height) {
    const t0 = performance.now();
    if (renderer) {
      renderer.kill();
      renderer = null;
    }
    delete document.body.dataset.rendered;
    const n = data.nodes.label.length;
    nodeCount = n;
    const big = n > 5000;
    graph = new graphology.Graph({ type: "undirected", multi: false, allowSelfLoops: false });
    const nd = data.nodes;
    for (let i = 0; i < n; i++) {
      graph.addNode(i, {
        x: nd.x[i], y: nd.y[i], size: nd.size[i], color: nd.color[i], label: nd.label[i],
        type: nd.ring[i] ? "ring" : "circle", zIndex: nd.size[i],
      });
    }
    const ed = data.edges;
    for (let j = 0; j < ed.s.length; j++) {
      graph.addEdge(ed.s[j], ed.t[j], { size: ed.w[j], color: data.edge_color || "#c9ccd6" });
    }
    const Ring = Sigma.rendering.createNodeBorderProgram({
      borders: [
        { size: { value: 0.38 }, color: { value: data.ring_color || "#111827" } },
        { size: { fill: true }, color: { attribute: "color" } },
      ],
    });
    let hoverSet = new Set();
    let pickSet = new Set();
    hovered = null;
    picked = null;
    // Big maps take the cheapest programs: 1-px lines and point sprites fill far fewer pixels,
    // which is what costs on software WebGL (no GPU).
    const nodePrograms = { ring: Ring };
    if (big) nodePrograms.circle = Sigma.rendering.NodePointProgram;
    const edgePrograms = {};
    if (ed.s.length > 5000) edgePrograms.line = Sigma.rendering.EdgeLineProgram;
    renderer = new Sigma(graph, mapEl, {
      nodeProgramClasses: nodePrograms,
      edgeProgramClasses: edgePrograms,
      renderEdgeLabels: false,
      hideEdgesOnMove: big,
      zIndex: true,
      labelRenderedSizeThreshold: data.label_threshold || 8,
      labelDensity: 0.6,
      labelGridCellSize: 110,
      labelFont: "Source Sans Pro, system-ui, sans-serif",
      minCameraRatio: 0.02,
      maxCameraRatio: 3,
      allowInvalidContainer: true,
      nodeReducer: (node, attrs) => {
        const focus = hovered ?? picked;
        if (focus === null) return attrs;
        const near = focus === hovered ? hoverSet : pickSet;
        // the focus on top of its neighbours, so what is under the pointer stays the focus
        if (node === focus) return Object.assign({}, attrs, { zIndex: 2e6, forceLabel: true });
        if (near.has(node)) return Object.assign({}, attrs, { zIndex: 1e6 });
        return Object.assign({}, attrs, { color: "#e3e5ec", label: "", zIndex: 0 });
      },
      edgeReducer: (edge, attrs) => {
        const focus = hovered ?? picked;
        if (focus === null) return attrs;
        const ext = graph.extremities(edge);
        if (ext[0] === focus || ext[1] === focus) {
          return Object.assign({}, attrs, { color: "#7c8294" });
        }
        return Object.assign({}, attrs, { hidden: true });
      },
    });
    renderer.on("enterNode", ({ node, event }) => {
      hovered = node;
      hoverSet = neighbourhood(node);
      tipEl.innerHTML = tooltip(nd, +node);
      tipEl.hidden = false;
      placeTip(event.x, event.y);
      mapEl.style.cursor = "pointer";
      renderer.refresh({ skipIndexation: true });
    });
    renderer.on("leaveNode", () => {
      hovered = null;
      tipEl.hidden = true;
      mapEl.style.cursor = "";
      renderer.refresh({ skipIndexation: true });
    });
    renderer.getMouseCaptor().on("mousemovebody", (e) => {
      if (!tipEl.hidden) placeTip(e.x, e.y);
    });
    renderer.on("clickNode", ({ node }) => {
      send("streamlit:setComponentValue", {
        value: { view: currentView, node: +node, at: Date.now() }, dataType: "json",
      });
    });
    renderer.on("clickStage", () => {
      picked = null;
      renderer.refresh({ skipIndexation: true });
    });
    // Where a node is drawn, in the frame's pixels (tests click there).
    window.scoutNodeViewport = (i) => renderer.graphToViewport(graph.getNodeAttributes(String(i)));
    window.scoutFocus = (node) => {
      picked = String(node);
      pickSet = neighbourhood(picked);
      const d = renderer.getNodeDisplayData(picked);
      if (d) renderer.getCamera().animate({ x: d.x, y: d.y, ratio: 0.25 }, { duration: 400 });
      renderer.refresh({ skipIndexation: true });
    };
    if (data.focus !== null && data.focus !== undefined && data.focus < n) {
      picked = String(data.focus);
      pickSet = neighbourhood(picked);
    } else {
      picked = null;
    }
    // The search box: labels of the first (best) accounts.
    const byLabel = new Map();
    const opts = [];
    for (let i = 0; i < n; i++) {
      if (!byLabel.has(nd.label[i])) byLabel.set(nd.label[i], i);
      if (i < 3000) opts.push(`<option value="${escapeHtml(nd.label[i])}">`);
    }
    labelsEl.innerHTML = opts.join("");
    findEl.onchange = () => {
      const i = byLabel.get(findEl.value.trim());
      if (i !== undefined) window.scoutFocus(i);
    };
    drawLegend(data);
    statusEl.className = "";
    statusEl.textContent = data.status || "";
    renderer.refresh();
    // The first frame is on screen once the browser has painted after this task.
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const ms = performance.now() - t0;
      document.body.dataset.nodes = String(n);
      document.body.dataset.edges = String(ed.s.length);
      document.body.dataset.renderMs = ms.toFixed(0);
      document.body.dataset.renderedAt = String(performance.timeOrigin + performance.now());
      document.body.dataset.rendered = currentView;
    }));
  }

  function placeTip(x, y) {
    const w = tipEl.offsetWidth, h = tipEl.offsetHeight;
    const maxX = mapEl.clientWidth - w - 8, maxY = mapEl.clientHeight - h - 8;
    tipEl.style.left = Math.max(8, Math.min(x + 14, maxX)) + "px";
    tipEl.style.top = Math.max(8, Math.min(y + 14, maxY)) + "px";
  }

  document.getElementById("zoom-in").onclick = () =>
    renderer && renderer.getCamera().animatedZoom({ duration: 250 });
  document.getElementById("zoom-out").onclick = () =>
    renderer && renderer.getCamera().animatedUnzoom({ duration: 250 });
  document.getElementById("zoom-reset").onclick = () => {
    if (!renderer) return;
    picked = null;
    renderer.getCamera().animatedReset({ duration: 250 });
    renderer.refresh({ skipIndexation: true });
  };

  window.addEventListener("message", (event) => {
    const msg = event.data;
    if (!msg || msg.type !== "streamlit:render") return;
    const args = msg.args || {};
    const height = args.height || 640;
    setHeight(height);
    const data = args.data;
    if (!data || data.view === currentView) return;
    currentView = data.view;
    if (!webglAvailable()) {
      fail("This browser cannot draw WebGL, which the network view needs.");
      return;
    }
    try {
      build(data, height);
    } catch (e) {
      fail("The network could not be drawn: " + e.message);
    }
  });
  send("streamlit:componentReady", { apiVersion: 1 });
})();
