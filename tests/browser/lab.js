// Helpers the browser test installs in the JupyterLab page (window.__tl).
// Every promise awaited here is raced against a timeout, so a page.evaluate never hangs.
(() => {
  const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
  const SVG_MIME = "image/svg+xml";
  // Where a ScenarioPlayer draws the descriptor graphs of its access checks (not the object graph).
  const ACCORDION = ".jupyter-widget-Accordion, .widget-accordion, .lm-AccordionPanel";
  const BAD_TEXT = ["Error displaying widget", "Loading widget", "model not found",
                    "The widget hit an error"];

  function withTimeout(promise, ms, what) {
    let timer;
    const expired = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms);
    });
    return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
  }

  function app() { return window.jupyterapp; }

  function findPanel(path) {
    for (const w of app().shell.widgets("main")) {
      if (w.context && w.context.path === path && w.content && w.sessionContext) return w;
    }
    return null;
  }

  function panel() {
    const p = window.__tl.panel;
    if (!p || p.isDisposed) throw new Error("the notebook panel is gone");
    return p;
  }

  function kernel() {
    const s = panel().sessionContext.session;
    return s ? s.kernel : null;
  }

  function codeCells() {
    return panel().content.widgets.filter(c => c.model.type === "code");
  }

  function tagsOf(cell) {
    const m = cell.model;
    const tags = typeof m.getMetadata === "function" ? m.getMetadata("tags") : (m.metadata || {}).tags;
    return Array.isArray(tags) ? tags : [];
  }

  function outputsJSON(cell) {
    const outs = cell.model.outputs;
    const list = [];
    for (let i = 0; i < outs.length; i++) list.push(outs.get(i).toJSON());
    return list;
  }

  // The rendered node of output i of a code cell (the .jp-OutputArea-output element).
  function outputNode(cell, i) {
    const child = cell.outputArea.widgets[i];
    if (!child) return null;
    return child.node.querySelector(".jp-OutputArea-output") || child.node;
  }

  // The widget manager behind output i of a cell (jupyterlab_widgets' WidgetRenderer keeps
  // it as a promise); null if this version does not expose it.
  async function widgetManager(cell, i) {
    const child = cell.outputArea.widgets[i];
    const parts = child && child.widgets ? [...child.widgets] : [];
    for (const r of parts) {
      const pending = r._manager && r._manager.promise;
      if (pending) return await withTimeout(pending, 2000, "widget manager");
    }
    return null;
  }

  async function childrenRendered(model, seen) {
    if (seen.has(model)) return true;
    seen.add(model);
    const children = model.get && model.get("children");
    if (!Array.isArray(children)) return true;
    for (const child of children) {
      if (!child || typeof child.get !== "function") continue;
      const views = Object.values(child.views || {});
      if (!views.length) return false;  // not yet asked to draw
      await withTimeout(Promise.all(views), 2000, "child views");
      if (!await childrenRendered(child, seen)) return false;
    }
    return true;
  }

  // "rendered" | "pending" | "no manager" (cannot look deeper) | "no model" (settled: a failure)
  async function widgetTree(cell, i, modelId) {
    try {
      const manager = await widgetManager(cell, i);
      if (!manager) return "no manager";
      let model;
      try { model = await manager.get_model(modelId); }
      catch (e) { return "no model"; }
      return (await childrenRendered(model, new Set())) ? "rendered" : "pending";
    } catch (e) {
      return "pending";  // a view still rendering (timed out this round): ask again
    }
  }

  async function svgImageOk(img) {
    if (!img.complete) {
      const loaded = new Promise(resolve => { img.addEventListener("load", resolve, {once: true});
                                              img.addEventListener("error", resolve, {once: true}); });
      try { await withTimeout(loaded, 10000, "an SVG image to load"); } catch (e) { return false; }
    }
    return img.naturalWidth > 0 && img.naturalHeight > 0;
  }

  window.__tl = {
    panel: null,
    runDone: false,

    // Poll a predicate of this object (which may be async) until it holds; reject after ms.
    // (Playwright's wait_for_function does not await a predicate's promise.)
    async waitFor(name, ms, args) {
      const t0 = Date.now();
      let last = null;
      for (;;) {
        try {
          if (await withTimeout(Promise.resolve(window.__tl[name](...(args || []))), 10000, name)) return true;
          last = null;
        } catch (e) { last = e; }
        if (Date.now() - t0 > ms) {
          throw new Error(`timed out after ${ms / 1000} s: ${name}` + (last ? ` (last error: ${last})` : ""));
        }
        await new Promise(r => setTimeout(r, 100));
      }
    },

    // Wait for the app, find the notebook, its context and its kernel (idle).
    async open(path, ms) {
      await withTimeout(app().restored, ms, "app.restored");
      const t0 = Date.now();
      let p = null;
      while (!(p = findPanel(path))) {
        if (Date.now() - t0 > ms) throw new Error(`no notebook panel for ${path}`);
        await new Promise(r => setTimeout(r, 100));
      }
      window.__tl.panel = p;
      app().shell.activateById(p.id);
      await withTimeout(p.context.ready, ms, "panel.context.ready");
      await withTimeout(p.sessionContext.ready, ms, "panel.sessionContext.ready");
      await withTimeout(p.revealed, ms, "panel.revealed");
      const mode = p.content.notebookConfig ? p.content.notebookConfig.windowingMode : undefined;
      if (mode !== "none") throw new Error(`windowingMode is ${mode}, not "none" (settings not applied?)`);
      return {path: p.context.path, cells: p.content.widgets.length, windowingMode: mode};
    },

    kernelIdle() {
      const k = kernel();
      return !!k && k.status === "idle" && k.connectionStatus === "connected";
    },

    // Clear every output (so that every execution count afterwards is from this run),
    // then run all cells through the command, as a learner's "Run All" does.
    async runAll(ms) {
      const p = panel();
      app().shell.activateById(p.id);
      if (app().shell.currentWidget !== p) throw new Error("the notebook is not the current widget");
      await withTimeout(app().commands.execute("notebook:clear-all-cell-outputs"), ms, "clear outputs");
      const stale = codeCells().filter(c => c.model.executionCount !== null || c.model.outputs.length);
      if (stale.length) throw new Error(`${stale.length} cells kept outputs after clearing`);
      window.__tl.runDone = false;
      const ok = await withTimeout(app().commands.execute("notebook:run-all-cells"), ms,
                                   "notebook:run-all-cells");
      window.__tl.runDone = true;
      return ok;
    },

    // Done: kernel idle, no cell shows [*], and every code cell has an execution count.
    // (The run-all command's promise is no signal: it settles as soon as any cell fails,
    // even a raises-exception one, while the cells after it are still queued.)
    // Or: an untagged cell failed, so the kernel aborted the rest, which will never run.
    runFinished() {
      if (!window.__tl.kernelIdle()) return false;
      const cells = codeCells();
      const running = cells.some(c => ((c.promptNode && c.promptNode.textContent) || "").includes("*")
                                      || c.model.executionState === "running");
      if (running) return false;
      if (cells.every(c => typeof c.model.executionCount === "number" && c.model.executionCount > 0)) return true;
      return window.__tl.runDone && cells.some(
        c => !tagsOf(c).includes("raises-exception") && outputsJSON(c).some(o => o.output_type === "error"));
    },

    // Every widget view and SVG output has rendered (or failed visibly): the page is settled.
    // A widget's box renders its children asynchronously, so the root element being on the
    // page is not enough: every model under it (children, recursively) must have a view,
    // and every such view must have finished rendering.
    async rendered() {
      for (const c of codeCells()) {
        const outs = outputsJSON(c);
        for (let i = 0; i < outs.length; i++) {
          const data = outs[i].data || {};
          const node = outputNode(c, i);
          if (!node) return false;
          if (data[WIDGET_MIME]) {
            const text = node.textContent || "";
            if (text.includes("Error displaying widget")) continue;  // settled: a failure
            if (!node.querySelector(".jupyter-widgets") || text.includes("Loading widget")) return false;
            if (await widgetTree(c, i, data[WIDGET_MIME].model_id) === "pending") return false;
          } else if (data[SVG_MIME]) {
            const img = node.querySelector("img");
            if (img && !img.complete) return false;
          }
        }
      }
      return true;
    },

    // What the test asserts on: per code cell, its outputs in the model and in the DOM.
    async report() {
      const p = panel();
      const cells = [];
      const all = p.content.widgets;
      for (let index = 0; index < all.length; index++) {
        const c = all[index];
        if (c.model.type !== "code") continue;
        const outs = outputsJSON(c);
        const cell = {
          index, tags: tagsOf(c), executionCount: c.model.executionCount,
          outputsHidden: !!c.outputHidden,
          source: c.model.sharedModel.getSource().slice(0, 200),
          errors: [], stderr: [], domErrors: [], widgets: [], svgs: [],
          outputCount: outs.length, domOutputCount: c.outputArea.widgets.length,
        };
        for (let i = 0; i < outs.length; i++) {
          const o = outs[i];
          const node = outputNode(c, i);
          const mime = node ? node.getAttribute("data-mime-type") : null;
          if (o.output_type === "error") {
            cell.errors.push(`${o.ename}: ${o.evalue}`);
          }
          if (o.output_type === "stream" && o.name === "stderr") {
            cell.stderr.push(Array.isArray(o.text) ? o.text.join("") : String(o.text));
          }
          const data = o.data || {};
          if (data[WIDGET_MIME]) {
            const w = node && node.querySelector(".jupyter-widgets");
            const text = node ? node.textContent || "" : "";
            const box = w ? w.getBoundingClientRect() : null;
            cell.widgets.push({
              output: i, mime, modelId: data[WIDGET_MIME].model_id,
              rendered: !!w && !text.includes("Error displaying widget") && !text.includes("Loading widget")
                        && !(node.querySelector(".jupyter-widgets-error-widget")),
              visible: !!box && box.width > 0 && box.height > 0,
              tree: await widgetTree(c, i, data[WIDGET_MIME].model_id),
              text: text.slice(0, 300),
            });
          }
          if (data[SVG_MIME]) {
            const info = {output: i, mime, kind: null, ok: false, detail: ""};
            const img = node && node.querySelector("img");
            const inline = node && node.querySelector("svg");
            if (img && (img.getAttribute("src") || "").startsWith("data:image/svg+xml")) {
              info.kind = "img";
              const src = img.getAttribute("src");
              const comma = src.indexOf(",");
              let body = src.slice(comma + 1);
              try { body = src.slice(0, comma).includes(";base64") ? atob(body) : decodeURIComponent(body); }
              catch (e) { info.detail = `undecodable data URI: ${e}`; }
              const decoded = await svgImageOk(img);
              info.ok = body.includes("<svg") && decoded;
              if (!info.ok && !info.detail) info.detail = `img: has <svg>: ${body.includes("<svg")}, decoded: ${decoded}`;
            } else if (inline) {
              info.kind = "inline";
              info.ok = true;
            } else {
              info.detail = node ? (node.textContent || "").slice(0, 200) : "no output node";
            }
            cell.svgs.push(info);
          }
        }
        // SVG inside widgets' HTML (the tokenlab views): each graph box holds an <svg>.
        cell.graphs = [...c.outputArea.node.querySelectorAll(".tokenlab-graph")].map(g => {
          const svg = g.querySelector("svg");
          return {ok: !!svg, detail: svg ? "" : (g.innerHTML || "(empty)").slice(0, 200)};
        });
        // Errors as the page shows them (the model is the authority; this is its twin).
        // JupyterLab 4.6 renders an error output with the stderr mime type, as a traceback.
        for (const el of c.node.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"], '
            + '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) {
          const text = el.textContent || "";
          if (el.getAttribute("data-mime-type").endsWith(".error") || text.includes("Traceback")) {
            cell.domErrors.push(text.slice(0, 300));
          }
        }
        cells.push(cell);
      }
      const text = p.content.node.textContent || "";
      return {
        cells,
        badText: BAD_TEXT.filter(t => text.includes(t)),
        kernelStatus: kernel() ? kernel().status : null,
      };
    },

    // The steppers (ScenarioPlayer, Compare): widgets with a "next" button and an SVG graph.
    steppers() {
      const found = [];
      const objectGraphs = box => [...box.querySelectorAll(".tokenlab-graph")]
        .filter(g => !g.closest(ACCORDION));
      const buttons = [...panel().content.node.querySelectorAll("button")]
        .filter(b => (b.textContent || "").trim() === "next");
      for (const b of buttons) {
        let box = b.parentElement;
        while (box && !box.querySelector(".tokenlab-graph")) box = box.parentElement;
        if (!box) continue;
        const labels = [...box.querySelectorAll("button")].map(x => (x.textContent || "").trim());
        found.push({
          // A ScenarioPlayer: first/back/next/last and one object graph (Compare draws two).
          // (Compare draws one picture too, but its legend compares the runs.)
          box, next: b, isPlayer: ["first", "back", "next", "last"].every(l => labels.includes(l))
                                  && objectGraphs(box).length === 1
                                  && !(box.textContent || "").includes("B compared with A"),
        });
      }
      window.__tl._steppers = found;
      return found.map((s, i) => ({index: i, isPlayer: s.isPlayer, nextDisabled: s.next.disabled,
                                   graphs: s.box.querySelectorAll(".tokenlab-graph").length}));
    },

    // The stepper's object graph(s): .tokenlab-graph outside accordions (the per-check views).
    stepperState(i) {
      const s = window.__tl._steppers[i];
      const graphs = [...s.box.querySelectorAll(".tokenlab-graph")]
        .filter(g => !g.closest(ACCORDION));
      return {
        graphHTML: graphs.map(g => g.innerHTML).join("\n<!-- next graph -->\n"),
        // drawn: an <svg> with a size (or one inside a folded-away output, which has none)
        svgCount: graphs.filter(g => {
          const svg = g.querySelector("svg");
          if (!(svg instanceof SVGSVGElement)) return false;
          const r = svg.getBoundingClientRect();
          return (r.width > 0 && r.height > 0) || !g.checkVisibility();
        }).length,
        graphCount: graphs.length,
        text: (s.box.textContent || "").replace(/\s+/g, " ").slice(0, 2000),
        widgetError: (s.box.textContent || "").includes("The widget hit an error"),
      };
    },

    clickNext(i) { window.__tl._steppers[i].next.click(); },

    // Every graph the notebook shows (an image/svg+xml output or a widget's .tokenlab-graph),
    // as rendered: its width against its output area's, and its smallest text in CSS px
    // (the smallest font-size in the SVG times the SVG's scale on the page). Graphs not on
    // show (a folded accordion entry) are left out: they are measured when opened.
    measureGraphs() {
      const out = [];
      const minFont = text => {
        const sizes = [...text.matchAll(/font-size="([\d.]+)"/g)].map(m => parseFloat(m[1]));
        return sizes.length ? Math.min(...sizes) : null;
      };
      const vbWidth = text => {
        const m = /viewBox="[\d.-]+ [\d.-]+ ([\d.]+) [\d.]+"/.exec(text);
        return m ? parseFloat(m[1]) : null;
      };
      const cells = panel().content.widgets;
      for (let index = 0; index < cells.length; index++) {
        const c = cells[index];
        if (c.model.type !== "code") continue;
        const items = [];
        for (const img of c.node.querySelectorAll('.jp-OutputArea-output img[src^="data:image/svg+xml"]')) {
          const src = img.getAttribute("src");
          const comma = src.indexOf(",");
          let body = src.slice(comma + 1);
          try { body = src.slice(0, comma).includes(";base64") ? atob(body) : decodeURIComponent(body); }
          catch (e) { continue; }
          items.push({el: img, text: body, kind: "img"});
        }
        for (const svg of c.node.querySelectorAll(".tokenlab-graph svg")) {
          const g = svg.querySelector("g.graph");
          items.push({el: svg, text: `<g transform="${g ? g.getAttribute("transform") : ""}"` + svg.outerHTML.slice(0, 400)
                        + [...svg.querySelectorAll("text")].map(t => `font-size="${t.getAttribute("font-size")}"`).join(" "),
                      kind: "widget", vb: svg.viewBox && svg.viewBox.baseVal ? svg.viewBox.baseVal.width : null});
        }
        for (const it of items) {
          const r = it.el.getBoundingClientRect();
          if (!(r.width > 0 && r.height > 0) || !it.el.checkVisibility()) continue;
          const area = it.el.closest(".jp-OutputArea-output");
          const vb = it.vb || vbWidth(it.text);
          // Graphviz scales a drawing larger than its size= down with the first group's transform.
          const sc = /transform="scale\(([\d.]+)/.exec(it.text);
          const font = minFont(it.text) === null ? null : minFont(it.text) * (sc ? parseFloat(sc[1]) : 1);
          const title = (/<title>(.*?)<\/title>/.exec(it.text) || [null, ""])[1];
          out.push({cell: index, kind: it.kind, graph: title, width: Math.round(r.width),
                    areaWidth: area ? area.clientWidth : null,
                    fontPx: font && vb ? Math.round(font * r.width / vb * 10) / 10 : null});
        }
      }
      return out;
    },

    // The changed node (diff colours) of stepper i's graph: is it inside the viewport?
    changedInView(i) {
      const s = window.__tl._steppers[i];
      const graph = [...s.box.querySelectorAll(".tokenlab-graph")].filter(g => !g.closest(ACCORDION))[0];
      if (!graph) return {found: false};
      const marked = [...graph.querySelectorAll("g.node")].filter(g => {
        const shape = g.querySelector("path, polygon");
        const fill = shape ? (shape.getAttribute("fill") || "").toLowerCase() : "";
        return fill === "#d4edda" || fill === "#fff3cd";  // added / changed (palette)
      });
      const vh = window.innerHeight, vw = window.innerWidth;
      const where = marked.map(g => {
        const r = g.getBoundingClientRect();
        return `${(g.querySelector("title") || {}).textContent} at x ${Math.round(r.left)}-${Math.round(r.right)}, `
               + `y ${Math.round(r.top)}-${Math.round(r.bottom)} in a ${window.innerWidth}x${window.innerHeight} viewport`;
      }).join("; ");
      return {found: marked.length > 0, where, inView: marked.map(g => {
        const r = g.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= vh && r.left >= 0 && r.right <= vw;
      }), titles: marked.map(g => (g.querySelector("title") || {}).textContent)};
    },

    // Bring stepper i into view the way a learner clicking "next" sees it: its buttons at the top.
    scrollStepper(i) {
      const s = window.__tl._steppers[i];
      s.next.scrollIntoView({block: "start"});
    },

    // The stepper answered: its graph or its text changed (or it shows an error).
    stepperChanged(i, graphHTML, text) {
      const s = window.__tl.stepperState(i);
      return s.graphHTML !== graphHTML || s.text !== text || s.widgetError;
    },

    // Make the whole notebook fit in the viewport height for the screenshot.
    // The viewport height that shows the whole notebook without scrolling (the last cell's
    // bottom, not scrollHeight: "scroll past end" pads the notebook by a viewport).
    contentHeight() {
      const p = panel();
      const cells = p.content.widgets;
      const scroller = p.content.node.querySelector(".jp-WindowedPanel-outer") || p.content.node;
      if (!cells.length) return 0;
      const box = scroller.getBoundingClientRect();
      const bottom = cells[cells.length - 1].node.getBoundingClientRect().bottom - box.top + scroller.scrollTop;
      return Math.ceil(bottom + box.top + (window.innerHeight - box.bottom) + 40);
    },

    scrollToTop() {
      const p = panel();
      for (const s of [p.content.node, ...p.content.node.querySelectorAll(".jp-WindowedPanel-outer")]) {
        s.scrollTop = 0;
      }
    },
  };
})();
