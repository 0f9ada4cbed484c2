// WebDriver from Node, for the end-to-end tests: the few commands they use
// (find, click, type, run a script, screenshot) and a polling wait, shared by
// the desktop test (tauri-driver) and the served-UI test (WebKitWebDriver
// driving MiniBrowser).

import { writeFileSync } from "node:fs";
import { join } from "node:path";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export async function request(driver, method, path, body, timeoutMs = 60_000) {
  const response = await fetch(`${driver}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json.value ?? json)}`);
  }
  return json.value;
}

export async function waitFor(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

export class Session {
  /** A WebDriver session `id` on `driver`; screenshots go to `out`, named after `prefix`. */
  constructor(driver, id, out, prefix = "") {
    this.driver = driver;
    this.id = id;
    this.out = out;
    this.prefix = prefix;
    this.step = 0;
  }
  request(method, path, body, timeoutMs) {
    return request(this.driver, method, path, body, timeoutMs);
  }
  path(rest) {
    return `/session/${this.id}${rest}`;
  }
  async find(css) {
    const found = await this.request("POST", this.path("/element"), { using: "css selector", value: css });
    return found[ELEMENT];
  }
  async findAll(css) {
    const found = await this.request("POST", this.path("/elements"), { using: "css selector", value: css });
    return found.map((e) => e[ELEMENT]);
  }
  async waitFor(css, timeoutMs) {
    return waitFor(css, () => this.find(css), timeoutMs);
  }
  async click(css) {
    const element = await this.waitFor(css);
    await this.request("POST", this.path(`/element/${element}/click`), {});
  }
  async type(css, text) {
    const element = await this.waitFor(css);
    await this.request("POST", this.path(`/element/${element}/clear`), {});
    if (text === "") {
      // WebDriver sends no empty text: emptied, the field tells the page as typing would.
      await this.run(
        `const e = document.querySelector(arguments[0]); e.value = ""; e.dispatchEvent(new Event("input", { bubbles: true }));`,
        css,
      );
      return;
    }
    await this.request("POST", this.path(`/element/${element}/value`), { text });
  }
  /** The text a person sees in an element (its innerText). */
  async text(css) {
    await this.waitFor(css);
    return this.run("return document.querySelector(arguments[0]).innerText", css);
  }
  /** An element's innerText now, or null when there is no such element (no waiting). */
  async textNow(css) {
    return this.run("const e = document.querySelector(arguments[0]); return e === null ? null : e.innerText", css);
  }
  /** Waits until a control is there and enabled (a click on a disabled button does nothing). */
  async waitEnabled(css, timeoutMs) {
    return waitFor(
      `${css} to be enabled`,
      () => this.run("const e = document.querySelector(arguments[0]); return e !== null && !e.disabled", css),
      timeoutMs,
    );
  }
  /** Presses keys (WebDriver key values: "\uE015" is ArrowDown) on whatever has the focus. */
  async press(...keys) {
    const actions = keys.flatMap((value) => [
      { type: "keyDown", value },
      { type: "keyUp", value },
    ]);
    await this.request("POST", this.path("/actions"), { actions: [{ type: "key", id: "keyboard", actions }] });
  }
  async run(script, ...args) {
    return this.request("POST", this.path("/execute/sync"), { script, args });
  }
  /** Chooses an option of a <select>, as a click would, firing the change event. */
  async choose(css, value) {
    await this.waitFor(css);
    // Options arrive from the API after the select is drawn.
    await waitFor(`${css} to offer ${value}`, () =>
      this.run(
        `const s = document.querySelector(arguments[0]); return s !== null && [...s.options].some(o => o.value === arguments[1]);`,
        css,
        value,
      ),
    ).catch(() => {});
    const ok = await this.run(
      `const s = document.querySelector(arguments[0]);
       if (![...s.options].some(o => o.value === arguments[1])) return false;
       s.value = arguments[1];
       s.dispatchEvent(new Event("change", { bubbles: true }));
       return true;`,
      css,
      value,
    );
    if (!ok) throw new Error(`${css} has no option ${value}`);
  }
  async screenshot(name) {
    this.step += 1;
    // Two animation frames first: the snapshot shows what WebKit last drew, which can
    // still be the frame before the step's last scroll or render.
    await this.request("POST", this.path("/execute/async"), {
      script: "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
      args: [],
    });
    const png = await this.request("GET", this.path("/screenshot"));
    const file = join(this.out, `${this.prefix}${String(this.step).padStart(2, "0")}-${name}.png`);
    writeFileSync(file, Buffer.from(png, "base64"));
    console.log(`screenshot: ${file}`);
  }
}

