declare module 'dynalite' {
  import type { Server } from 'node:http';

  type Options = {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    path?: string;
    ssl?: boolean;
  };
  export default function dynalite(options?: Options): Server;
}
