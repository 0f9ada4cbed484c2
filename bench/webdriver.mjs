// The WebDriver plumbing the desktop probes share (bench/ui_probe.sh runs them):
// open the app on a project in a new session, wait for its navigation, run scripts
// in the page. WEBDRIVER_URL, APP and PROJECT come from the environment.
const driver = process.env.WEBDRIVER_URL;

export async function request(method, path, body) {
  const response = await fetch(`${driver}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(120_000),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
  return json.value;
}

export async function until(check, ms = 60_000, pollMs = 20) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error("timed out");
}

/** The app opened on PROJECT: `exec` runs an async script (it calls its last argument), `sync` a plain one. */
export async function openApp() {
  await until(async () => (await fetch(`${driver}/status`)).ok);
  const capabilities = { alwaysMatch: { "tauri:options": { application: process.env.APP, args: [process.env.PROJECT] } } };
  const session = (await request("POST", "/session", { capabilities })).sessionId;
  await until(() => request("POST", `/session/${session}/element`, { using: "css selector", value: '[data-testid="nav-runs"]' }));
  return {
    exec: (script) => request("POST", `/session/${session}/execute/async`, { script, args: [] }),
    sync: (script) => request("POST", `/session/${session}/execute/sync`, { script, args: [] }),
    close: () => request("DELETE", `/session/${session}`),
  };
}

/**
 * A script for `execute/async`: does `action` in the page, then waits frame by
 * frame until `done` holds, and answers the milliseconds. The code is inlined
 * (the app's CSP forbids eval).
 */
export const timedScript = (action, done) => `
  const callback = arguments[arguments.length - 1];
  const t0 = performance.now();
  ${action};
  const check = () => {
    if ((() => { ${done} })()) callback(performance.now() - t0);
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
`;
