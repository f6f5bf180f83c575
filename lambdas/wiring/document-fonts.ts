import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocumentFonts } from '../documents/invoice-pdf.ts';

const FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

/**
 * DejaVu Sans for the PDFs: beside the bundle in Lambda (the build copies the two files into the
 * asset), else from the `dejavu-fonts-ttf` package (the CLI and tests).
 */
export function loadDocumentFonts(): DocumentFonts {
  const here = dirname(fileURLToPath(import.meta.url));
  const find = (file: string) => {
    const beside = join(here, file);
    if (existsSync(beside)) return beside;
    return createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${file}`);
  };
  return { regular: readFileSync(find(FILES.regular)), bold: readFileSync(find(FILES.bold)) };
}

/** The font files a Lambda asset must carry, from the project root. */
export const DOCUMENT_FONT_FILES = Object.values(FILES).map((f) => `node_modules/dejavu-fonts-ttf/ttf/${f}`);
