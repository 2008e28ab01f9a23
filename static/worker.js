// svcplay's Web Worker: runs the page's own wasm module off the main thread, so that a
// scenario of thousands of Services never freezes typing. The page sends one boot message
// (the URL of its JS glue and the WebAssembly.Module it already compiled), then requests as
// byte arrays; src/ui/worker.rs answers them. Messages that arrive before the module is
// ready wait in a queue. "What changed" and panels (worker_defers: 1 and 2) are answered
// only after the messages already queued: a keystroke's text that arrived meanwhile goes
// first, and the question, about a revision typed over, is then not answered. Of panels
// asked one after another (a filter typed), only the newest is answered. A text is
// answered in two tasks: its analysis (worker_begin), then, after the messages that came
// meanwhile, its summary with the panel on show (worker_finish), which is not made when
// one of them said a newer text waits on the page.
let handle = null;
let defers = null;
let finish = null;
let pending = null;
const queue = [];
let panels = 0;

function answer(bytes) {
  const when = defers(bytes);
  if (when === 2) {
    const mine = ++panels;
    setTimeout(() => { if (mine === panels) reply(bytes); }, 0);
    return;
  }
  if (when === 1) {
    setTimeout(() => reply(bytes), 0);
    return;
  }
  reply(bytes);
}

// Where the worker's time goes (src/ui/dom.rs' timed marks), sent after each answer: the
// page hands them to the end-to-end test's timing report when it asks for them.
function reply(bytes) {
  send(() => handle(bytes));
  if (pending()) setTimeout(() => send(finish), 0);
}

function send(answer) {
  self.__svcplayMarks = [];
  const out = answer();
  if (out.length > 0) self.postMessage(out, [out.buffer]);
  const marks = self.__svcplayMarks;
  self.__svcplayMarks = null;
  if (marks.length > 0) self.postMessage({ marks });
}

self.onmessage = async (event) => {
  const data = event.data;
  if (data && data.boot) {
    try {
      const glue = await import(data.boot.js);
      await glue.default({ module_or_path: data.boot.module });
      handle = glue.worker_begin;
      finish = glue.worker_finish;
      pending = glue.worker_pending;
      defers = glue.worker_defers;
      self.postMessage({ ready: true });
      for (const bytes of queue.splice(0)) answer(bytes);
    } catch (error) {
      self.postMessage({ ready: false });
    }
    return;
  }
  if (handle) answer(data);
  else queue.push(data);
};
