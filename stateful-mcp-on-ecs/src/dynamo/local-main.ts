/** `npm run dynalite`: one dynalite for local server processes to share (PORT, default 4567). */
import { startDynalite } from './local';

startDynalite(Number(process.env.PORT ?? 4567)).then((d) => process.stdout.write(`dynalite on ${d.endpoint}\n`));
