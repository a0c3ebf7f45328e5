// Imported first by the harness: the logger and SDK clients read these when their modules load.
process.env.CONNECTIONS_TABLE ??= 'connections-unit';
process.env.WS_CALLBACK_URL ??= 'http://127.0.0.1:9/_aws/ws';
process.env.OPENER_FUNCTION_NAME ??= 'PeerOpener';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'unit';
process.env.AWS_SECRET_ACCESS_KEY ??= 'unit';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

export {};
