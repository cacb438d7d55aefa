/**
 * Why a runtime process ended, in AWS's words. AWS's supervisor formats a runtime's end as Go's
 * exec.ExitError does ("exit status 3", "signal: killed"), naming a signal with Go's
 * syscall.Signal.String() (aws-lambda-runtime-interface-emulator, supervisor/model/model.go),
 * and never adds " (core dumped)": its supervisor does not report that, nor can we.
 */

/** Go's names of the Linux signals (zsignal_linux_amd64.go), by Node's signal names. */
const GO_SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
  SIGHUP: 'hangup', SIGINT: 'interrupt', SIGQUIT: 'quit', SIGILL: 'illegal instruction', SIGTRAP: 'trace/breakpoint trap',
  SIGABRT: 'aborted', SIGBUS: 'bus error', SIGFPE: 'floating point exception', SIGKILL: 'killed', SIGUSR1: 'user defined signal 1',
  SIGSEGV: 'segmentation fault', SIGUSR2: 'user defined signal 2', SIGPIPE: 'broken pipe', SIGALRM: 'alarm clock', SIGTERM: 'terminated',
  SIGSTKFLT: 'stack fault', SIGCHLD: 'child exited', SIGCONT: 'continued', SIGSTOP: 'stopped (signal)', SIGTSTP: 'stopped',
  SIGTTIN: 'stopped (tty input)', SIGTTOU: 'stopped (tty output)', SIGURG: 'urgent I/O condition', SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded', SIGVTALRM: 'virtual timer expired', SIGPROF: 'profiling timer expired', SIGWINCH: 'window changed',
  SIGIO: 'I/O possible', SIGPWR: 'power failure', SIGSYS: 'bad system call', SIGIOT: 'aborted', SIGPOLL: 'I/O possible',
};

/** The detail of a Runtime.ExitError: what follows "Error: " in its message. */
export function exitReason(code: number | null, signal: NodeJS.Signals | null, err?: Error): string {
  if (err) return `Runtime exited with error: ${err.message}`;
  if (signal) return `Runtime exited with error: signal: ${GO_SIGNAL_NAMES[signal] ?? signal}`;
  return code === 0 ? 'Runtime exited without providing a reason' : `Runtime exited with error: exit status ${code}`;
}
