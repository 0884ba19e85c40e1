// Progress on stderr: a spinner on a terminal, plain lines otherwise (CI logs, pipes). stdout stays clean.
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export type Progress = {
  update: (message: string) => void;
  done: (message?: string) => void;
  fail: () => void;
};

export function createProgress(options: { enabled: boolean; stream?: NodeJS.WriteStream }): Progress {
  const stream = options.stream ?? process.stderr;
  if (!options.enabled) return { update: () => {}, done: () => {}, fail: () => {} };
  if (!stream.isTTY) {
    let last = "";
    return {
      update: (message) => {
        if (message !== last) stream.write(`… ${message}\n`);
        last = message;
      },
      done: (message) => {
        if (message) stream.write(`✓ ${message}\n`);
      },
      fail: () => {},
    };
  }
  let message = "";
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const render = () => {
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${message}`);
  };
  const clear = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    stream.write("\r\x1b[2K");
  };
  return {
    update: (m) => {
      message = m;
      if (!timer) {
        timer = setInterval(render, 80);
        timer.unref();
      }
      render();
    },
    done: (m) => {
      clear();
      if (m) stream.write(`✓ ${m}\n`);
    },
    fail: clear,
  };
}
