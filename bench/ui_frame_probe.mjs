// bench/ui_probe.sh: what WebKitGTK takes to draw the runs table after its rows are
// replaced (what a sort does to the DOM), with the app's styles and with the styles it
// had before: a blurred box-shadow around the page's panels and a rounded clip
// (`overflow: hidden` with a border radius) around the grid. Each figure is the time
// from the change to the second animation frame after it; an unchanged page takes two
// frames, about 33 ms.
import { openApp } from "./webdriver.mjs";
const { exec, close } = await openApp();
await exec(`const cb = arguments[arguments.length-1]; document.querySelector('[data-testid="nav-runs"]').click(); setTimeout(cb, 1000);`);
const frames = (change) => exec(`const cb = arguments[arguments.length-1]; requestAnimationFrame(() => { const t0 = performance.now(); ${change};
  requestAnimationFrame(() => requestAnimationFrame(() => cb(Math.round(performance.now() - t0)))); });`);
const replaceRows = `const p = document.querySelector('[data-testid="runs-table"] .grid-viewport > div'); for (const r of [...p.children]) r.replaceWith(r.cloneNode(true));`;
const style = (css) => `const st = document.createElement('style'); st.textContent = ${JSON.stringify(css)}; document.head.append(st);`;
const times = async (change) => { const xs = []; for (let i = 0; i < 5; i++) xs.push(await frames(change)); return xs.join(" / "); };
console.log("unchanged page (ms)", await times(""));
console.log("rows replaced, the app's styles (ms)", await times(replaceRows));
await frames(style(".grid { overflow: hidden; }"));
console.log("rows replaced, with the rounded clip (ms)", await times(replaceRows));
await frames(style(".content, .sidebar { box-shadow: 0 1px 3px #0001; }"));
console.log("rows replaced, with the clip and the panels' shadow (ms)", await times(replaceRows));
await close();
