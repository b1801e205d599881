/**
 * Side inputs of one ParDo: the elements of each side collection per side window, and when a main-input window
 * may read them. A side window is ready once the side collection's watermark has passed its end (for the
 * global window: when the side input is complete). Main-input elements wait until then (see DoFnOperator).
 */
import type { Millis, Window } from "../../model/model";
import type { Receiver } from "./receiver";
import { GLOBAL_WINDOW } from "./sdk_values";

export type WindowMapping = (mainWindow: Window) => Window;

interface SideView {
  readonly elements: Map<string, unknown[]>;
  readonly mapping: WindowMapping;
  watermark: Millis;
}

function windowKey(window: Window): string {
  return window.global ? "global" : `${window.start}:${window.end}`;
}

export class SideInputs {
  private readonly views = new Map<string, SideView>();

  add(sideInputId: string, mapping: WindowMapping): Receiver {
    const view: SideView = { elements: new Map(), mapping, watermark: Number.NEGATIVE_INFINITY };
    this.views.set(sideInputId, view);
    return {
      receive(value: unknown, _timestamp: Millis, windows: readonly Window[]): void {
        for (const window of windows) {
          const key = windowKey(window);
          let list = view.elements.get(key);
          if (!list) {
            list = [];
            view.elements.set(key, list);
          }
          list.push(value);
        }
      },
    };
  }

  setWatermark(sideInputId: string, watermark: Millis): void {
    const view = this.views.get(sideInputId);
    if (view && watermark > view.watermark) view.watermark = watermark;
  }

  /** True when every side input is complete for the side window that `mainWindow` maps to. */
  ready(mainWindow: Window): boolean {
    for (const view of this.views.values()) {
      const side = view.mapping(mainWindow);
      const needed = side.global ? Number.POSITIVE_INFINITY : side.end;
      if (view.watermark < needed) return false;
    }
    return true;
  }

  lookup(sideInputId: string, mainWindow: Window): readonly unknown[] {
    const view = this.views.get(sideInputId);
    if (!view) throw new Error(`Unknown side input "${sideInputId}".`);
    return view.elements.get(windowKey(view.mapping(mainWindow))) ?? [];
  }
}

export const toGlobalWindow: WindowMapping = () => GLOBAL_WINDOW;
export const identityWindow: WindowMapping = (window) => window;
