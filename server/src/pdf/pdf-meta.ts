import type { PDFDocument } from 'pdf-lib';

/*
 * Everything pdf-lib would otherwise fill from the clock or its own name is fixed, so the same input always gives
 * byte-identical output (final PDFs are content-addressed blobs and tested for determinism).
 */
export const FIXED_PDF_DATE = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));
export const PDF_PRODUCER = 'Korrigo PDF engine';
export const PDF_CREATOR = 'Korrigo';

export function setFixedMetadata(doc: PDFDocument, title: string): void {
  doc.setTitle(title);
  doc.setProducer(PDF_PRODUCER);
  doc.setCreator(PDF_CREATOR);
  doc.setCreationDate(FIXED_PDF_DATE);
  doc.setModificationDate(FIXED_PDF_DATE);
}
