/**
 * @file The error every media decoder throws: the record keeps going without that attachment,
 * and the message (never the bytes) becomes the record's warning.
 */
import { ClinicalBertError } from '../util/errors.js';

export class MediaError extends ClinicalBertError {}
