/**
 * What a gateway in front of a text model sees of its inputs, with or without a reference profile:
 * ml_gateway_text_length_characters and ml_gateway_text_tokens (histograms of each text's length
 * and token count) and ml_gateway_text_oov_ratio (the share of tokens outside the model's
 * vocabulary, when one was given). A shift in any of them is the first sign that a text model's
 * traffic is no longer what it was trained on: longer texts, another language, new words.
 */
import { Histogram, type Registry } from 'prom-client';

/** Recorder of the family. */
export type TextObserver = (characters: number, tokens: number, oovShare: number | undefined) => void;

const LENGTH_BUCKETS = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];
const TOKEN_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const RATIO_BUCKETS = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1];

/**
 * Registers the family.
 *
 * @example const observeText = createGatewayTextMetrics(registry); observeText(14, 3, 0);
 */
export function createGatewayTextMetrics(registry: Registry): TextObserver {
  const length = new Histogram({ name: 'ml_gateway_text_length_characters', help: 'Length of each text sent to a text model through the gateway, in characters.', buckets: LENGTH_BUCKETS, registers: [registry] });
  const tokens = new Histogram({ name: 'ml_gateway_text_tokens', help: 'Tokens (runs of letters or digits) in each text sent to a text model through the gateway.', buckets: TOKEN_BUCKETS, registers: [registry] });
  const oov = new Histogram({ name: 'ml_gateway_text_oov_ratio', help: 'Share of each text\'s tokens that are not in the model\'s vocabulary (--vocabulary), 0..1.', buckets: RATIO_BUCKETS, registers: [registry] });
  return (characters, count, oovShare) => {
    length.observe(characters);
    tokens.observe(count);
    if (oovShare !== undefined && Number.isFinite(oovShare)) oov.observe(oovShare);
  };
}
