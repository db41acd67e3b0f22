import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const WORKSPACE = path.resolve(__dirname, '../../..');

/** Runs a TypeScript file of the workspace as a separate Node process (through @swc-node/register). */
export function spawnTs(file: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', path.resolve(WORKSPACE, file), ...args],
    {
      cwd: WORKSPACE,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  return child;
}

/** Resolves with the first stdout line of the child that matches. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      const line = lines.find((candidate) => pattern.test(candidate));
      if (line !== undefined) {
        cleanup();
        resolve(line);
      }
    };
    const onErr = (chunk: string) => {
      stderr += chunk;
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(
        new Error(`process exited (${code}) before printing ${pattern}; stderr: ${stderr.slice(-2000)}`),
      );
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.on('exit', onExit);
  });
}

export function waitForExit(child: ChildProcess, timeoutMs = 60_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`process did not exit within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
