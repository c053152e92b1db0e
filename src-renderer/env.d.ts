/// <reference types="vite/client" />

// A script file (no imports/exports), so both declarations below are global.

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

interface Window {
  /** Present inside Electron (the preload's bridge); absent in web mode. */
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports -- an import statement would make this file a module and its declarations non-global
  readonly faceOrganizer?: import('../src-main/contract/ipc').FaceOrganizerBridge;
}
