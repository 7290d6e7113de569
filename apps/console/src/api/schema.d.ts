// Generated from openapi.json by `npm run openapi` (openapi-typescript): do not edit.
export interface paths {
    "/api/v1/admin/anomalies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The anomaly queue, newest first, paged */
        get: operations["AdminAnomalies_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/anomalies/{id}/dismiss": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Close an anomaly without a refund (settled otherwise); the reason is kept */
        post: operations["AdminAnomalies_dismiss"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/anomalies/{id}/refund": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Refund an anomaly in full through the provider that took the money */
        post: operations["AdminAnomalies_refund"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Search every customer's orders (filters combine with AND), newest first, paged */
        get: operations["AdminOrders_search"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/orders/{orderNo}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The full view of an order */
        get: operations["AdminOrders_details"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/orders/{orderNo}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark a shipped order completed */
        post: operations["AdminOrders_complete"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/orders/{orderNo}/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The order's journal entries (double entry; empty before any money moved) */
        get: operations["AdminOrders_ledger"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/orders/{orderNo}/refunds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Refund part or all of an order through the provider that took the money */
        post: operations["AdminOrders_refund"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/orders/{orderNo}/shipments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record a parcel shipped (PAID or PARTIALLY_REFUNDED orders) */
        post: operations["AdminOrders_ship"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Payments started and succeeded, callbacks by outcome and anomalies, per minute */
        get: operations["AdminStats_stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The customer's orders, newest first, paged */
        get: operations["Orders_list"];
        put?: never;
        /** Create an order (customer); prices come from the catalog */
        post: operations["Orders_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/orders/{orderNo}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One order with its timeline, payments and refunds (another customer's is a 404) */
        get: operations["Orders_details"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/orders/{orderNo}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel an order still waiting for payment (owner or admin) */
        post: operations["Orders_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/orders/{orderNo}/payments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start paying an order at a provider: a QR code, a redirect, a form or a checkout URL */
        post: operations["Orders_pay"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/payment-providers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The enabled payment providers and their methods (public) */
        get: operations["PaymentProviders_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The catalog (public) */
        get: operations["Catalog_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AdminStatsResponse: {
            anomalies: components["schemas"]["AnomaliesPerMinuteResponse"][];
            callbacks: components["schemas"]["CallbacksPerMinuteResponse"][];
            /**
             * Format: date-time
             * @description Start of the first minute covered (the last is the current one)
             */
            from: string;
            minutes: number;
            payments: components["schemas"]["PaymentsPerMinuteResponse"][];
        };
        AnomaliesPerMinuteResponse: {
            count: number;
            /** Format: date-time */
            minute: string;
            /** @enum {string} */
            type: "AMOUNT_MISMATCH" | "ORPHAN_PAYMENT" | "LATE_PAYMENT" | "DUPLICATE_PAYMENT";
        };
        AnomalyPageResponse: {
            items: components["schemas"]["AnomalyResponse"][];
            page: number;
            pageSize: number;
            total: number;
        };
        AnomalyResponse: {
            /** @description Minor units */
            amount: number;
            currency: string;
            /** Format: date-time */
            detectedAt: string;
            /** Format: uuid */
            id: string;
            orderNo: string;
            /** @enum {string} */
            provider: "alipay" | "wechatpay" | "unionpay" | "stripe";
            providerTransactionId: string;
            /** Format: uuid */
            refundId: string | null;
            resolutionReason: string | null;
            /** Format: date-time */
            resolvedAt: string | null;
            resolvedBy: string | null;
            /** @enum {string} */
            status: "REFUND_REQUIRED" | "REFUNDING" | "REFUNDED" | "REFUND_FAILED" | "DISMISSED";
            /** @enum {string} */
            type: "AMOUNT_MISMATCH" | "ORPHAN_PAYMENT" | "LATE_PAYMENT" | "DUPLICATE_PAYMENT";
        };
        CallbacksPerMinuteResponse: {
            count: number;
            /** Format: date-time */
            minute: string;
            /**
             * @description As in payment_callbacks_total: accepted, duplicate, rejected_*
             * @example accepted
             */
            outcome: string;
            /** @example alipay */
            provider: string;
        };
        CancelOrderDto: {
            /** @description A note for the timeline */
            note?: string;
        };
        CreateOrderDto: {
            items: components["schemas"]["OrderItemDto"][];
        };
        CreateRefundDto: {
            /**
             * @description Minor units (fen, cents), at most what is left of the payment
             * @example 5000
             */
            amount: number;
            /** @example damaged in transit */
            reason: string;
        };
        DismissAnomalyDto: {
            reason: string;
        };
        ErrorResponse: {
            /**
             * @description Stable error code
             * @example ORDER_NOT_PAYABLE
             */
            code: string;
            /** @description Quote it to support */
            correlationId?: string;
            details?: {
                [key: string]: unknown;
            };
            /** @description For humans; names the field or rule */
            message: string;
            /** @example 409 */
            statusCode: number;
        };
        LedgerEntryResponse: {
            /** @example assets:alipay-clearing */
            account: string;
            /** @description Minor units */
            amount: number;
            /** Format: date-time */
            createdAt: string;
            currency: string;
            /** @enum {string} */
            side: "debit" | "credit";
            /** Format: uuid */
            transactionId: string;
        };
        OrderDetailsResponse: {
            /** Format: date-time */
            cancelledAt: string | null;
            cancelReason: string | null;
            /** Format: date-time */
            completedAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** @example CNY */
            currency: string;
            customerId: string;
            items: components["schemas"]["OrderLineResponse"][];
            /** @example 20261205A1B2C3D4E5F6 */
            orderNo: string;
            /** Format: date-time */
            paidAt: string | null;
            /**
             * Format: date-time
             * @description While PENDING_PAYMENT: when it expires
             */
            paymentDueAt: string | null;
            /** @enum {string|null} */
            paymentProvider: "alipay" | "wechatpay" | "unionpay" | "stripe" | null;
            payments: components["schemas"]["OrderPaymentResponse"][];
            providerTransactionId: string | null;
            /** @description Sum of succeeded refunds, minor units */
            refundedAmount: number;
            refunds: components["schemas"]["OrderRefundResponse"][];
            review: components["schemas"]["OrderReviewResponse"] | null;
            shipments: components["schemas"]["ShipmentResponse"][];
            /** Format: date-time */
            shippedAt: string | null;
            /** @enum {string} */
            status: "PENDING_PAYMENT" | "PAID" | "CANCELLED" | "SHIPPED" | "COMPLETED" | "PARTIALLY_REFUNDED" | "REFUNDED";
            timeline: components["schemas"]["TimelineEntryResponse"][];
            /** @description Minor units */
            totalAmount: number;
        };
        OrderItemDto: {
            /** @example 1 */
            quantity: number;
            /**
             * @description Catalog SKU
             * @example TEA-LONGJING-250G
             */
            sku: string;
        };
        OrderLedgerResponse: {
            entries: components["schemas"]["LedgerEntryResponse"][];
        };
        OrderLineResponse: {
            /** @description Minor units */
            lineAmount: number;
            name: string;
            quantity: number;
            sku: string;
            /** @description Minor units */
            unitAmount: number;
        };
        OrderPageResponse: {
            items: components["schemas"]["OrderSummaryResponse"][];
            page: number;
            pageSize: number;
            total: number;
        };
        OrderPaymentResponse: {
            /** Format: uuid */
            paymentId: string;
            /** @enum {string} */
            provider: "alipay" | "wechatpay" | "unionpay" | "stripe";
            providerTransactionId: string | null;
            /** @enum {string} */
            status: "PENDING" | "SUCCEEDED" | "FAILED";
        };
        OrderRefundResponse: {
            /** @description Minor units */
            amount: number;
            /** Format: date-time */
            completedAt: string | null;
            /** Format: date-time */
            createdAt: string;
            currency: string;
            failureReason: string | null;
            reason: string;
            /** Format: uuid */
            refundId: string;
            /** @enum {string} */
            status: "PENDING" | "SUCCEEDED" | "FAILED";
        };
        OrderResponse: {
            /** Format: date-time */
            cancelledAt: string | null;
            cancelReason: string | null;
            /** Format: date-time */
            completedAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** @example CNY */
            currency: string;
            customerId: string;
            items: components["schemas"]["OrderLineResponse"][];
            /** @example 20261205A1B2C3D4E5F6 */
            orderNo: string;
            /** Format: date-time */
            paidAt: string | null;
            /**
             * Format: date-time
             * @description While PENDING_PAYMENT: when it expires
             */
            paymentDueAt: string | null;
            /** @enum {string|null} */
            paymentProvider: "alipay" | "wechatpay" | "unionpay" | "stripe" | null;
            providerTransactionId: string | null;
            /** @description Sum of succeeded refunds, minor units */
            refundedAmount: number;
            review: components["schemas"]["OrderReviewResponse"] | null;
            shipments: components["schemas"]["ShipmentResponse"][];
            /** Format: date-time */
            shippedAt: string | null;
            /** @enum {string} */
            status: "PENDING_PAYMENT" | "PAID" | "CANCELLED" | "SHIPPED" | "COMPLETED" | "PARTIALLY_REFUNDED" | "REFUNDED";
            timeline: components["schemas"]["TimelineEntryResponse"][];
            /** @description Minor units */
            totalAmount: number;
        };
        OrderReviewResponse: {
            detail: {
                [key: string]: unknown;
            } | null;
            /** Format: date-time */
            flaggedAt: string;
            /** @example AMOUNT_MISMATCH */
            reason: string;
        };
        OrderSummaryResponse: {
            /** Format: date-time */
            createdAt: string;
            currency: string;
            customerId: string;
            lineCount: number;
            orderNo: string;
            /** Format: date-time */
            paidAt: string | null;
            /** @enum {string|null} */
            paymentProvider: "alipay" | "wechatpay" | "unionpay" | "stripe" | null;
            refundedAmount: number;
            /** @enum {string} */
            status: "PENDING_PAYMENT" | "PAID" | "CANCELLED" | "SHIPPED" | "COMPLETED" | "PARTIALLY_REFUNDED" | "REFUNDED";
            totalAmount: number;
            underReview: boolean;
        };
        PaymentFormResponse: {
            /** Format: uri */
            action: string;
            fields: {
                [key: string]: string;
            };
        };
        PaymentProviderListResponse: {
            items: components["schemas"]["PaymentProviderResponse"][];
        };
        PaymentProviderResponse: {
            /**
             * @example [
             *       "CNY"
             *     ]
             */
            currencies: string[];
            /**
             * @description qr/native: a QR code to scan; page/checkout: the buyer continues at the provider
             * @example [
             *       "qr",
             *       "page"
             *     ]
             */
            methods: ("qr" | "page" | "native" | "checkout")[];
            /**
             * @example alipay
             * @enum {string}
             */
            provider: "alipay" | "wechatpay" | "unionpay" | "stripe";
        };
        PaymentsPerMinuteResponse: {
            /**
             * Format: date-time
             * @description Start of the minute
             */
            minute: string;
            /** @description Payment attempts opened at a provider */
            started: number;
            /** @description Payment attempts that succeeded */
            succeeded: number;
        };
        PaymentStartedResponse: {
            /**
             * Format: uri
             * @description Stripe Checkout: where to send the browser
             */
            checkoutUrl?: string;
            /** @description WeChat Pay Native: the code_url to draw as a QR code */
            codeUrl?: string;
            /** @description UnionPay: a form to auto-submit */
            form?: components["schemas"]["PaymentFormResponse"];
            method: string;
            /** Format: uuid */
            paymentId: string;
            /** @enum {string} */
            provider: "alipay" | "wechatpay" | "unionpay" | "stripe";
            /** @description Alipay QR: the content to draw as a QR code */
            qrCode?: string;
            /**
             * Format: uri
             * @description Alipay page: where to send the browser
             */
            redirectUrl?: string;
            /** @enum {string} */
            status: "PENDING";
        };
        ProductListResponse: {
            items: components["schemas"]["ProductResponse"][];
        };
        ProductResponse: {
            /** @example CNY */
            currency: string;
            /** @example Longjing green tea, 250 g */
            name: string;
            /** @example TEA-LONGJING-250G */
            sku: string;
            /**
             * @description Minor units (fen, cents)
             * @example 12800
             */
            unitAmount: number;
        };
        RefundAnomalyDto: {
            reason?: string;
        };
        RefundResponse: {
            /** @description Minor units */
            amount: number;
            /** Format: date-time */
            completedAt: string | null;
            /** Format: date-time */
            createdAt: string;
            currency: string;
            failureReason: string | null;
            orderNo: string;
            /** @enum {string} */
            provider: "alipay" | "wechatpay" | "unionpay" | "stripe";
            reason: string;
            /** Format: uuid */
            refundId: string;
            /** @enum {string} */
            status: "PENDING" | "SUCCEEDED" | "FAILED";
        };
        ShipmentResponse: {
            carrier: string;
            /** Format: date-time */
            shippedAt: string;
            /** @description The admin who recorded it */
            shippedBy: string;
            trackingNo: string;
        };
        ShipOrderDto: {
            /** @example SF Express */
            carrier: string;
            /** @example SF1234567890 */
            trackingNo: string;
        };
        StartPaymentDto: {
            /**
             * @description alipay: qr | page; wechatpay: native; unionpay: page; stripe: checkout
             * @example qr
             */
            method: string;
            /** @enum {string} */
            provider: "alipay" | "wechatpay" | "unionpay" | "stripe";
        };
        TimelineEntryResponse: {
            /** @example system */
            actor: string;
            /** Format: date-time */
            at: string;
            detail: {
                [key: string]: unknown;
            } | null;
            /** @example paid */
            event: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    AdminAnomalies_list: {
        parameters: {
            query?: {
                page?: number;
                pageSize?: number;
                status?: "REFUND_REQUIRED" | "REFUNDING" | "REFUNDED" | "REFUND_FAILED" | "DISMISSED";
                type?: "AMOUNT_MISMATCH" | "ORPHAN_PAYMENT" | "LATE_PAYMENT" | "DUPLICATE_PAYMENT";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AnomalyPageResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    AdminAnomalies_dismiss: {
        parameters: {
            query?: never;
            header?: {
                /** @description Up to 255 characters. A retry with the same key gets the first answer again (24 h); the same key with another request is 422. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DismissAnomalyDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AnomalyResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description NOT_FOUND — codes: ANOMALY_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflict with the current state — codes: ANOMALY_NOT_DISMISSIBLE */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    AdminAnomalies_refund: {
        parameters: {
            query?: never;
            header?: {
                /** @description Up to 255 characters. A retry with the same key gets the first answer again (24 h); the same key with another request is 422. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RefundAnomalyDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RefundResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description NOT_FOUND — codes: ANOMALY_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflict with the current state — codes: ANOMALY_NOT_REFUNDABLE, IDEMPOTENCY_KEY_IN_USE */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description IDEMPOTENCY_KEY_REUSED: the key was used with another request — codes: IDEMPOTENCY_KEY_REUSED */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR, PROVIDER_UNAVAILABLE */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    AdminOrders_search: {
        parameters: {
            query?: {
                customerId?: string;
                /** @description Created at or after */
                from?: string;
                orderNo?: string;
                page?: number;
                pageSize?: number;
                provider?: "alipay" | "wechatpay" | "unionpay" | "stripe";
                status?: "PENDING_PAYMENT" | "PAID" | "CANCELLED" | "SHIPPED" | "COMPLETED" | "PARTIALLY_REFUNDED" | "REFUNDED";
                /** @description Created before */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderPageResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    AdminOrders_details: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orderNo: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderDetailsResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description NOT_FOUND — codes: ORDER_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    AdminOrders_complete: {
        parameters: {
            query?: never;
            header?: {
                /** @description Up to 255 characters. A retry with the same key gets the first answer again (24 h); the same key with another request is 422. */
                "Idempotency-Key"?: string;
            };
            path: {
                orderNo: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description NOT_FOUND — codes: ORDER_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflict with the current state — codes: INVALID_TRANSITION */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    AdminOrders_ledger: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orderNo: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderLedgerResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    AdminOrders_refund: {
        parameters: {
            query?: never;
            header?: {
                /** @description Up to 255 characters. A retry with the same key gets the first answer again (24 h); the same key with another request is 422. */
                "Idempotency-Key"?: string;
            };
            path: {
                orderNo: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateRefundDto"];
            };
        };
        responses: {
            /** @description SUCCEEDED, FAILED, or PENDING until the provider confirms */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RefundResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description NOT_FOUND — codes: ORDER_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflict with the current state — codes: ORDER_NOT_REFUNDABLE, REFUND_EXCEEDS_CAPTURED, IDEMPOTENCY_KEY_IN_USE */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description IDEMPOTENCY_KEY_REUSED: the key was used with another request — codes: IDEMPOTENCY_KEY_REUSED */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR, PROVIDER_UNAVAILABLE */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    AdminOrders_ship: {
        parameters: {
            query?: never;
            header?: {
                /** @description Up to 255 characters. A retry with the same key gets the first answer again (24 h); the same key with another request is 422. */
                "Idempotency-Key"?: string;
            };
            path: {
                orderNo: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ShipOrderDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description NOT_FOUND — codes: ORDER_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflict with the current state — codes: INVALID_TRANSITION, SHIPMENT_EXISTS */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    AdminStats_stats: {
        parameters: {
            query?: {
                minutes?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminStatsResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR, UPSTREAM_UNAVAILABLE */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    Orders_list: {
        parameters: {
            query?: {
                page?: number;
                pageSize?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderPageResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    Orders_create: {
        parameters: {
            query?: never;
            header?: {
                /** @description Up to 255 characters. A retry with the same key gets the first answer again (24 h); the same key with another request is 422. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateOrderDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED, UNKNOWN_SKU, INVALID_IDEMPOTENCY_KEY */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflict with the current state — codes: IDEMPOTENCY_KEY_IN_USE */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description IDEMPOTENCY_KEY_REUSED: the key was used with another request — codes: IDEMPOTENCY_KEY_REUSED */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    Orders_details: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orderNo: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderDetailsResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description NOT_FOUND — codes: ORDER_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    Orders_cancel: {
        parameters: {
            query?: never;
            header?: {
                /** @description Up to 255 characters. A retry with the same key gets the first answer again (24 h); the same key with another request is 422. */
                "Idempotency-Key"?: string;
            };
            path: {
                orderNo: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CancelOrderDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description NOT_FOUND — codes: ORDER_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflict with the current state — codes: INVALID_TRANSITION */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    Orders_pay: {
        parameters: {
            query?: never;
            header?: {
                /** @description Up to 255 characters. A retry with the same key gets the first answer again (24 h); the same key with another request is 422. */
                "Idempotency-Key"?: string;
            };
            path: {
                orderNo: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StartPaymentDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PaymentStartedResponse"];
                };
            };
            /** @description Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field — codes: VALIDATION_FAILED, PROVIDER_DISABLED, PROVIDER_METHOD_UNSUPPORTED */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UNAUTHORIZED: no or invalid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description FORBIDDEN: the token lacks the role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description NOT_FOUND — codes: ORDER_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflict with the current state — codes: ORDER_NOT_PAYABLE */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR, PROVIDER_UNAVAILABLE, PROVIDER_TIMEOUT, PROVIDER_REJECTED */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    PaymentProviders_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PaymentProviderListResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR, UPSTREAM_UNAVAILABLE */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    Catalog_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProductListResponse"];
                };
            };
            /** @description UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key) — codes: UPSTREAM_ERROR, UPSTREAM_UNAVAILABLE */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
}
