/**
 * Lifetime management in the style of VS Code's own code: every service extends `Disposable`
 * and registers what it owns, and the tree is rooted in `context.subscriptions`, so deactivation
 * releases everything in reverse order of creation.
 */
import type * as vscode from 'vscode';

export interface IDisposable {
  dispose(): void;
}

/** Disposes in reverse order, so later things (which may depend on earlier ones) go first. */
export function disposeAll(disposables: IDisposable[]): void {
  while (disposables.length > 0) {
    disposables.pop()?.dispose();
  }
}

export abstract class Disposable implements vscode.Disposable {
  private _isDisposed = false;
  private readonly _disposables: IDisposable[] = [];

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    disposeAll(this._disposables);
  }

  /** Ties `value`'s lifetime to this object's; disposes it at once if this one is already gone. */
  protected _register<T extends IDisposable>(value: T): T {
    if (this._isDisposed) {
      value.dispose();
    } else {
      this._disposables.push(value);
    }
    return value;
  }

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }
}

export function toDisposable(dispose: () => void): IDisposable {
  return { dispose };
}
