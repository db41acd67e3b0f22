import { entitiesSchema, suggestedArticleSchema } from '@relaydesk/contracts';
import { CLASSIFIER_VERSION, classifyFollowUp, createClassifier } from './classifier';

const classifier = createClassifier();
const classify = (body: string, subject?: string) => classifier.classify({ body, subject });
/** One row of a `[language, body, category, priority]` table. */
const readsAs = (_language: string, body: string, category: string, priority: string) =>
  expect(classify(body)).toMatchObject({ category, priority });

describe('classify: categories in several languages', () => {
  it.each([
    ['ja', 'パスワードを忘れてしまい、再設定メールが届きません。ログインできません。', 'account'],
    ['en', 'How do I rename my sub-accounts under the master account?', 'account'],
    ['zh', '合约下单一直提示保证金不足，杠杆5倍，为什么？', 'trading'],
    ['es', 'Mi orden límite solo se ejecutó parcialmente, ¿por qué?', 'trading'],
    ['ko', '트론(TRC20)으로 USDT 입금했는데 반영이 안 돼요.', 'deposit_withdrawal'],
    ['pt', 'depositei R$ 1.000 via PIX ontem e não caiu na conta', 'deposit_withdrawal'],
    [
      'en',
      'getting {"code":-1022,"msg":"Signature for this request is not valid."} from the API',
      'technical',
    ],
    ['de', 'Die App stürzt beim Start sofort ab, Fehler nach dem Update.', 'technical'],
    ['ru', 'Мой аккаунт взломали, кто-то вошел и сделал вывод не я', 'security'],
    ['vi', 'tài khoản mình bị hack rồi, toàn bộ USDT bị rút ra ví lạ', 'security'],
    ['fr', "Ma vérification d'identité a été refusée, le passeport est pourtant lisible.", 'compliance'],
    ['tr', 'vergi beyannamesi için yıllık işlem dökümünü nereden alabilirim?', 'compliance'],
    ['id', 'halo, mau tanya apakah ada program kerja sama partner untuk komunitas?', 'other'],
    ['ja', '上場のご相談です。弊社トークンの取り扱いをご検討ください。', 'other'],
  ])('%s: %s', (language, body, category) => {
    const result = classify(body);
    expect(result.category).toBe(category);
    expect(result.language).toBe(language);
  });
});

describe('classify: priorities', () => {
  it.each([
    ['I did not make this withdrawal! 2,300 USDT went out 10 min ago', 'urgent'],
    ['偽サイトにパスワードと二段階認証コードを入力してしまいました', 'urgent'],
    ['My BTC deposit has not arrived after 3 days, tx confirmed on explorer', 'high'],
    ['아이디가 잠겨서 로그인이 아예 안 돼요. 자산이 다 안에 있어요', 'high'],
    ['why did my order get cancelled? it says post-only would match', 'normal'],
    ['What is the difference between cross margin and isolated margin?', 'low'],
    ['毎月自動でBTCを買える積立機能を追加してほしいです。', 'low'],
  ])('%s -> %s', (body, priority) => {
    expect(classify(body).priority).toBe(priority);
  });
});

describe('classify: priority cues of the rubric', () => {
  it.each([
    [
      'how-to about the 2FA of their own account is a blocked task: normal',
      'How do I move my authenticator 2FA to my new phone? What are the steps?',
      'normal',
    ],
    ['general how-to: low', 'How do I place a stop-limit order? Where do I find it?', 'low'],
    [
      'closing an account already emptied: low',
      'I have withdrawn all my funds, please close my account permanently.',
      'low',
    ],
    [
      'closing an account with funds still inside: not low',
      '口座を解約したいのですが、まだ資産が100万円分残っています。',
      'normal',
    ],
  ])('%s', (_name, body, priority) => {
    expect(classify(body).priority).toBe(priority);
  });
});

describe('classify: priority rules across languages (1.2.0)', () => {
  it.each([
    // funds at immediate risk: losing money now and unable to act
    [
      'en',
      "The API is down and I can't close my futures position, the price is dropping and I'm about to be liquidated. Please help now!",
      'urgent',
    ],
    [
      'ja',
      '先物のポジションを決済しようとしてもエラーで決済できません！今すぐ対応してください、どんどん損失が膨らんでいます。',
      'urgent',
    ],
    // a past hack, frozen, nothing lost, asking for the freeze to be lifted: out of reach, not at risk
    [
      'en',
      'My account was hacked last month and you froze it. Nothing was lost. Please unfreeze it, I need my funds for rent.',
      'high',
    ],
    [
      'es',
      'Mi cuenta fue hackeada la semana pasada, ustedes la congelaron. No perdí nada. ¿Pueden desbloquearla?',
      'high',
    ],
    // credentials handed to an impersonator
    [
      'de',
      'Ich habe auf einer gefälschten Seite meine Zugangsdaten eingegeben und jetzt wurde mein Passwort geändert.',
      'urgent',
    ],
    // negations: gave nothing away, not hacked
    ['zh', '有人冒充你们客服加我微信，我没有给他任何信息，只是想举报一下。', 'normal'],
    ['ja', 'スマホを機種変更したら認証アプリのコードがなくなりました。乗っ取りではありません。', 'normal'],
    // the money came back (normal) or did not (high)
    [
      'en',
      'My withdrawal was rejected but the funds are back in my account. What was wrong with the address?',
      'normal',
    ],
    ['ja', '出金が失敗しましたが、残高に戻ってきました。失敗の理由を教えてください。', 'normal'],
    [
      'fr',
      "Mon retrait de 500 EUR vers ma banque a échoué et l'argent n'est pas revenu sur mon compte.",
      'high',
    ],
    // funds out of reach in other categories
    [
      'en',
      'P2P: I paid the seller 500 EUR by bank transfer two hours ago and he still has not released the USDT.',
      'high',
    ],
    ['zh', '我在P2P买了USDT，已经付款了，但是卖家一直不放币，已经超过一个小时了。', 'high'],
    ['es', 'La app no me deja retirar, da error al confirmar. Necesito mi dinero urgente.', 'high'],
    [
      'en',
      "I bought BTC with my card, payment went through but the order shows failed and I didn't get the BTC.",
      'high',
    ],
    ['en', 'I forgot the memo tag when depositing XRP. Can you recover it?', 'high'],
    [
      'de',
      'Ich habe versehentlich USDT über das falsche Netzwerk (Polygon statt Ethereum) eingezahlt. Bitte helft mir!',
      'high',
    ],
    ['de', 'Ich kann mich seit gestern überhaupt nicht mehr einloggen, der Code kommt nicht an.', 'high'],
    [
      'tr',
      'Vadeli işlemde pozisyonum likide edildi ama fiyat oraya hiç gelmedi, 1500 USDT zarar ettim.',
      'high',
    ],
    [
      'en',
      "The stop loss on my BTCUSDT perp didn't trigger even though price went way past it. I lost 1,200 USDT. Please refund.",
      'high',
    ],
    // a question about one's own transaction or account state is normal, a general one low
    ['vi', 'Mình rút 100 USDT và bị trừ phí 5 USDT, sao lại cao vậy?', 'normal'],
    [
      'en',
      'I withdrew 100 USDT on TRC20 and was charged 5 USDT fee, but your fee page says 1 USDT. Why?',
      'normal',
    ],
    ['en', 'What are the withdrawal fees for SOL?', 'low'],
    ['ja', '指値注文がなぜ約定しないのか教えてください。', 'normal'],
    ['es', 'Quiero saber cuáles son las comisiones de trading para usuarios VIP.', 'low'],
    // feature requests and closing an empty account are low in every language
    ['pt', 'Gostaria de sugerir que vocês adicionem PIX para saques também. Seria ótimo!', 'low'],
    ['ja', 'ステーキングのサービスを始めてほしいです。他社ではもうやっています。', 'low'],
    ['fr', 'Je souhaite fermer mon compte, mon solde est à zéro.', 'low'],
    ['tr', 'Hesabımı kapatmak istiyorum, bakiyem sıfır.', 'low'],
  ])('%s: %s -> %s', (language, body, priority) => {
    const result = classify(body);
    expect(result.language).toBe(language);
    expect(result.priority).toBe(priority);
  });

  it('treats a general question with no id of the customer’s as a how-to (low)', () => {
    // (With the customer's own id it is their case, normal: see 'where the models overturn' below.)
    expect(classify('Where can I see the status of my withdrawals?').priority).toBe('low');
    expect(classify('手数料はいくらですか？').priority).toBe('low');
  });

  it('keeps a contained hack in security while lowering it from urgent to high', () => {
    const result = classify(
      'My account was hacked last month and you froze it. Nothing was lost. Please unfreeze it.',
    );
    expect(result).toMatchObject({ category: 'security', priority: 'high' });
    expect(classify('My account was hacked an hour ago. Please freeze it.').priority).toBe('urgent');
  });

  it('does not read an amount of 500 as an HTTP 500', () => {
    expect(classify('I paid the seller 500 EUR and he has not released the coins.').category).not.toBe(
      'technical',
    );
    expect(classify('POST /api/v3/order returns 500 since this morning').category).toBe('technical');
  });

  it('does not read a Japanese "has not arrived" as unauthorized activity', () => {
    const result = classify('昨日送金したETHがまだ着金していません。TXIDはエクスプローラーで確認済みです。');
    expect(result).toMatchObject({ category: 'deposit_withdrawal', priority: 'high' });
  });
});

describe('classify: priority rules across languages (1.3.0)', () => {
  it.each([
    // a thank-you closing is politeness, not praise: a bug report stays a bug report
    [
      'ko',
      "API로 주문을 넣으면 계속 'signature invalid' 오류가 납니다. 확인 부탁드립니다. 감사합니다.",
      'normal',
    ],
    ['zh', 'App里的K线图从今天早上开始就一直不动，重启也没用。麻烦看一下，谢谢！', 'normal'],
    ['ru', 'Приложение вылетает каждый раз, когда я открываю историю ордеров. Спасибо.', 'normal'],
    [
      'id',
      'Grafik di aplikasi tidak muncul sejak update terakhir, cuma layar putih. Terima kasih.',
      'normal',
    ],
    // feedback without anything broken is still low
    ['es', 'Me encanta la app, sería genial tener un modo oscuro en la web. ¡Gracias!', 'low'],
    ['tr', 'Uygulamanızı çok beğeniyorum, grafikte daha fazla gösterge olsa güzel olur. Teşekkürler.', 'low'],
    // something that does not work for the customer, asked as a how-to: normal
    [
      'en',
      "How do I fix the 'Timestamp for this request is outside of the recvWindow' error? My bot gets it on every order.",
      'normal',
    ],
    [
      'ja',
      'APIで注文すると「Signature for this request is not valid」と返ってきます。どうすれば直りますか？',
      'normal',
    ],
    [
      'de',
      "Wie kann ich meine Telefonnummer ändern? Ich bekomme beim Speichern immer die Meldung 'Ungültige Nummer'.",
      'normal',
    ],
    // a how-to about money out of reach is not general information
    ['zh', '我把USDT用错了网络转到你们的地址了（BEP20转到ERC20地址），请问怎么找回？', 'high'],
    ['ko', '출금 신청한 지 이틀이 지났는데 아직 처리중입니다. 언제 완료되나요?', 'high'],
    ['zh', '我在贵公司的账户无法提现，已经三天了，里面有两万USDT。', 'high'],
    // closing an account: normal with money left in it, low when it is empty
    [
      'fr',
      'Je voudrais fermer mon compte, mais il me reste environ 300 USDT dessus. Comment dois-je procéder ?',
      'normal',
    ],
    ['ko', '계정을 탈퇴하고 싶습니다. 잔고는 모두 출금했습니다. 감사합니다.', 'low'],
    // general questions stay low
    ['en', 'How long do BTC withdrawals usually take to be processed?', 'low'],
    ['fr', "Quels sont les frais de retrait pour l'USDT sur le réseau TRC20 ?", 'low'],
    ['pt', 'Acabei de criar minha conta. Qual é o valor mínimo para depositar via PIX?', 'low'],
    ['zh', '我刚注册，请问合约交易的杠杆最高是多少倍？', 'low'],
    // a transaction the customer made, then a question about it: an order question, normal
    [
      'en',
      'I placed a limit sell for 2 ETH yesterday and it is still open. How long does it stay open before it expires?',
      'normal',
    ],
    [
      'de',
      'Ich habe gestern eine Stop-Loss-Order gesetzt, die heute einfach verschwunden ist. Wie kann das sein?',
      'normal',
    ],
    ['ru', 'Я открыл позицию с плечом 10x, но в истории показывается 5x. Как это понять?', 'normal'],
    // "rejected twice" is not a double charge
    ['tr', 'Kimlik doğrulamam iki kez reddedildi, nedenini öğrenebilir miyim?', 'normal'],
    // money at immediate risk while the customer cannot act, in more languages
    [
      'es',
      'No puedo cerrar mi posición de futuros, la app da error y estoy perdiendo dinero cada minuto. ¡Urgente!',
      'urgent',
    ],
    [
      'en',
      "Your site is down and I have a 20x long open. It's about to get liquidated and I can't do anything!",
      'urgent',
    ],
  ])('%s: %s', (_language, body, priority) => {
    expect(classify(body).priority).toBe(priority);
  });

  it.each([
    // security phrasings that were missing outside Japanese and English
    ['es', 'Mi clave API se filtró en un repositorio público y veo órdenes que no hice.'],
    ['tr', 'API anahtarım sızdırıldı, hesabımda benim açmadığım işlemler var.'],
    [
      'de',
      'In meinem Konto wurde eine Auszahlung gemacht, die ich nicht veranlasst habe! Bitte sofort sperren.',
    ],
    [
      'pt',
      'Perdi o sinal do meu celular de repente e recebi e-mails de redefinição de senha. Acho que clonaram meu chip.',
    ],
    ['fr', "J'ai donné mon code 2FA à un faux conseiller sur WhatsApp. Bloquez mon compte immédiatement."],
    ['zh', '我收到了提现验证码，但我根本没有申请提现，是不是有人登录了我的账户？'],
  ])('%s: an active threat is security and urgent: %s', (_language, body) => {
    expect(classify(body)).toMatchObject({ category: 'security', priority: 'urgent' });
  });

  it('does not read "press the button", a driver\'s license or "your company" as other/low', () => {
    expect(
      classify('When I press the Save button on the notification settings page nothing happens.'),
    ).toMatchObject({ category: 'technical', priority: 'normal' });
    expect(
      classify(
        "My identity verification was rejected again. I uploaded a clear photo of my driver's license.",
      ).priority,
    ).toBe('normal');
    expect(classify('Habt ihr eine Lizenz der BaFin? Wo ist euer Firmensitz?')).toMatchObject({
      category: 'other',
      priority: 'low',
    });
  });

  it('keeps a thank-you closing from pulling a bug report into "other"', () => {
    expect(
      classify('Приложение вылетает каждый раз, когда я открываю историю ордеров. Спасибо.').category,
    ).toBe('technical');
  });

  it('reads a scam message about a withdrawal the customer did not make, with nothing missing, as a report', () => {
    const result = classify(
      "I got an SMS saying my withdrawal was approved, but I didn't request one. I checked my account: there is no withdrawal and my balance is fine. Is it a scam?",
    );
    expect(result).toMatchObject({ category: 'security', priority: 'normal' });
  });
});

describe('classify: priority rules across languages (1.4.0)', () => {
  it.each([
    // the market moving hard right now, an open position and no way to act: funds at immediate risk
    [
      'en',
      "The app won't open and I have a 10x short open while BTC is pumping. I can't close it!",
      'urgent',
    ],
    ['ko', '앱이 튕겨서 선물 포지션을 정리할 수 없어요. 지금 급락 중인데 아무것도 할 수 없습니다.', 'urgent'],
    ['pt', 'Não consigo fechar minha posição de futuros, o app dá erro e o BTC está despencando!', 'urgent'],
    // an app crash alone is a bug, however the crash is worded
    ['de', 'Die App stürzt ab, wenn ich das Orderbuch öffne. iPhone 13, iOS 17.', 'normal'],
    // a withdrawal to a wrong address still pending, which the customer asks to stop
    [
      'en',
      'I just sent a withdrawal to the wrong address, it is still pending. Please cancel it now!',
      'urgent',
    ],
    ['zh', '我刚提交的提现地址填错了，现在还在处理中，请马上取消！', 'urgent'],
    // a deposit or withdrawal stuck, named in a complaint or held for a check: high in any category
    [
      'en',
      'This is a formal complaint about your support: my ticket about a missing withdrawal of 2 ETH has been ignored for two weeks.',
      'high',
    ],
    [
      'es',
      'Quiero poner una queja sobre el soporte: mi retiro sigue pendiente desde hace 10 días y nadie responde.',
      'high',
    ],
    // records with something missing, a quoted system message, a dropping connection: the customer's case
    ['ko', "서브 계정을 만들려고 하는데 '권한이 없습니다'라고 떠요. 어떻게 해야 하나요?", 'normal'],
    ['ja', 'サブアカウントを作ろうとすると「上限に達しました」と出ます。どこから削除できますか？', 'normal'],
    [
      'fr',
      'Le websocket se déconnecte toutes les cinq minutes. Y a-t-il une limite côté serveur ?',
      'normal',
    ],
    // a message the customer received about their account: their case, not general information
    [
      'en',
      'I got an email about a new device login from Frankfurt, probably my VPN. Is there a way to stop these alerts?',
      'normal',
    ],
    [
      'ru',
      'Получил письмо о входе с нового устройства, наверное это был я через VPN. Как отключить такие уведомления?',
      'normal',
    ],
    // closing an account whose balance is still to be moved out: not an empty account
    ['en', 'Can I close my old account after I transfer the balance to my new one?', 'normal'],
    // the customer says it is minor: a typo is feedback, low
    ['en', 'small thing, the withdraw button in the iOS app says "Withdrawl". just fyi', 'low'],
    ['ja', 'アプリの出金画面に誤字があります。「出禁」になっています。', 'low'],
    // "is it ...?" (なんでしょうか) is no "why" question
    ['ja', 'VIPレベルは30日間の取引量で決まるんでしょうか？現物と先物は合算されますか？', 'low'],
  ])('%s: %s', (_language, body, priority) => {
    expect(classify(body).priority).toBe(priority);
  });

  it.each([
    [
      'ru',
      'Получил письмо, что запрошен вывод 3000 USDT, но я ничего не запрашивал. Кто-то зашёл в мой аккаунт?',
    ],
    ['pt', 'Recebi um código de saque que não solicitei. Alguém está na minha conta?'],
    ['es', 'Entré a un enlace falso y puse mi correo y contraseña. Ahora no puedo entrar a mi cuenta.'],
  ])('%s: an active threat is security and urgent: %s', (_language, body) => {
    expect(classify(body)).toMatchObject({ category: 'security', priority: 'urgent' });
  });

  it('matches a Latin word or a number written right after CJK text', () => {
    expect(
      classify('アプリで2段階認証を設定しようとすると「コードが正しくありません」と出ます。').category,
    ).toBe('account');
  });

  it('keeps praise of the new UI in "other"', () => {
    expect(classify('新しいアプリのUI、めっちゃ見やすくなった！最高👍')).toMatchObject({
      category: 'other',
      priority: 'low',
    });
  });
});

describe("classify: security events in the customer's own words, negations, money back (1.5.0)", () => {
  it.each([
    // someone else logged in, changed the password or added an address
    ['en', 'Someone added a new withdrawal address to my account last night. I never did that.'],
    ['zh', '有人改了我的密码，现在我登录不了，账户里还有2个BTC。'],
    ['tr', 'Biri hesabıma girip şifremi değiştirdi, şimdi giriş yapamıyorum.'],
    ['ru', 'Кто-то сменил пароль от моего аккаунта, теперь я не могу войти.'],
    ['de', 'Jemand hat mein Passwort geändert und eine neue Auszahlungsadresse eingetragen.'],
    // a code given to someone claiming to be support
    ['es', 'Un tipo que se hizo pasar por soporte me pidió el código de 2FA y se lo di.'],
    ['vi', 'Có người mạo danh nhân viên hỗ trợ xin mã OTP và mình đã đưa mã cho họ.'],
  ])('%s: an active threat is security and urgent: %s', (_language, body) => {
    expect(classify(body)).toMatchObject({ category: 'security', priority: 'urgent' });
  });

  it.each([
    // "I was not hacked": a lost 2FA phone, locked out
    [
      'es',
      'No puedo entrar desde que cambié de móvil, la app de autenticación estaba en el viejo. No he sido hackeado. ¿Cómo restablezco el 2FA?',
    ],
    ['id', 'Saya ganti HP dan tidak bisa login karena 2FA ada di HP lama. Akun saya tidak diretas.'],
  ])('%s: a negated hack is no threat: %s', (_language, body) => {
    expect(classify(body)).toMatchObject({ category: 'account', priority: 'high' });
  });

  it('reads a scam e-mail with the balance normal as a phishing report (fr)', () => {
    expect(
      classify(
        "J'ai reçu un e-mail disant que mon retrait de 1 000 USDT est confirmé, mais je n'ai rien demandé. Mon solde est normal. Est-ce une arnaque ?",
      ),
    ).toMatchObject({ category: 'security', priority: 'normal' });
  });

  it.each([
    // money back in the balance: nothing is stuck
    [
      'de',
      'Meine Auszahlung wurde abgelehnt, das Geld ist wieder im Guthaben. Warum wurde sie abgelehnt?',
      'normal',
    ],
    ['en', 'My withdrawal failed but the USDT is back in my wallet. Can I just try again?', 'normal'],
    // sent and completed on the sender's side, nothing received: not credited
    [
      'en',
      'Sent 200 USDT from Kraken an hour ago, Kraken shows completed but still nothing in my account.',
      'high',
    ],
    [
      'ja',
      'ビットフライヤーからBTCを送金しました。送金元では完了になっていますが、こちらの残高が増えていません。',
      'high',
    ],
    // "it won't let me in": locked out
    ['ru', 'Приложение не пускает: пишет «неверный код», хотя код верный. Через сайт тоже.', 'high'],
    // a general fee question; Portuguese "taxa" is a fee, not a tax
    ['pt', 'Vocês cobram alguma taxa para depositar via TED?', 'low'],
    ['en', 'Do you charge a fee for card deposits?', 'low'],
  ])('%s: %s', (_language, body, priority) => {
    expect(classify(body).priority).toBe(priority);
  });

  it.each([
    // the platform itself down while a position is at risk: technical
    [
      'en',
      'The website has been down for 20 minutes and I have an open 20x long, I am about to be liquidated!',
      'technical',
    ],
    ['pt', 'O site está fora do ar e tenho uma posição de futuros aberta, vou ser liquidado!', 'technical'],
    // support that cannot be reached (a chatbot is no trading bot)
    ['en', "I've been trying to reach support for a week, the live chat only gives me a bot.", 'other'],
    // an API named in a business request is no API error
    [
      'en',
      'We are an institutional trading firm and would like to discuss API rate limits. Who can we talk to?',
      'other',
    ],
    ['pt', 'Vocês cobram alguma taxa para depositar via TED?', 'deposit_withdrawal'],
    // a chart that does not load, in a language that had no UI words
    ['fr', "Le graphique ne s'affiche plus sur le site, la page reste blanche.", 'technical'],
  ])('%s: %s is %s', (_language, body, category) => {
    expect(classify(body).category).toBe(category);
  });
});

describe('classify: never did it, wallet scams, error messages, category boundaries (1.6.0)', () => {
  it.each([
    // "I never did it" with the negation apart from the verb
    ['zh', '我收到邮件说我的提现地址已更改，但是我从来没有修改过！请马上冻结账户。'],
    ['vi', 'Có lệnh rút tiền từ tài khoản mà tôi chưa hề yêu cầu, khóa tài khoản giúp tôi ngay.'],
    ['es', 'Hay un retiro de 0.3 BTC que nunca solicité, por favor bloqueen mi cuenta ya.'],
    ['id', 'Ada penarikan 500 USDT yang tidak pernah saya lakukan, tolong bekukan akun saya.'],
  ])('%s: a withdrawal the customer never made is security and urgent: %s', (_language, body) => {
    expect(classify(body)).toMatchObject({ category: 'security', priority: 'urgent' });
  });

  it('does not read a price that "did not go there" as unauthorized activity (ja)', () => {
    expect(
      classify(
        '先物のロングが強制ロスカットされましたが、他の取引所ではその価格まで行っていません。損失の補填をお願いします。',
      ),
    ).toMatchObject({ category: 'trading', priority: 'high' });
  });

  it.each([
    [
      'en',
      'Got a message from "Support Team" asking me to verify my wallet on their site. I did not click anything.',
    ],
    ['pt', 'Recebi uma mensagem pedindo para validar minha carteira num site. Não cliquei em nada.'],
  ])('%s: a request to verify the wallet is a phishing report: %s', (_language, body) => {
    expect(classify(body)).toMatchObject({ category: 'security', priority: 'normal' });
  });

  it.each([
    ['en', "When I try to open the markets page it says 'Something went wrong'."],
    ['es', 'Cuando abro la página de mercados me sale "Algo salió mal".'],
    ['ru', 'При открытии страницы рынков пишет «Что-то пошло не так».'],
  ])('%s: "something went wrong" is a website error: %s', (_language, body) => {
    expect(classify(body)).toMatchObject({ category: 'technical', priority: 'normal' });
  });

  it.each([
    ['pt', 'Como faço para ativar a verificação em duas etapas no app?'],
    ['fr', "Je ne reçois pas le code de vérification quand j'essaie de changer mon e-mail."],
    ['id', 'Kode verifikasi tidak masuk waktu saya mau ganti nomor HP.'],
  ])('%s: a 2FA or verification code is account, not identity verification: %s', (_language, body) => {
    expect(classify(body).category).toBe('account');
  });

  it.each([
    ['ja', 'ダークモードだと入出金履歴の文字が見にくいです。'],
    // (1.17.0: the dark mode was no UI word in Korean; the n-gram model had to guess)
    ['ko', '다크모드에서 잔고 숫자가 안 보여요'],
    ['en', 'the withdraw button says "Withdrawl", just fyi'],
  ])('%s: a display flaw on a deposit or order screen is technical: %s', (_language, body) => {
    expect(classify(body).category).toBe('technical');
  });

  it.each([
    ['en', 'My account was restricted for compliance review and I cannot withdraw my 2 BTC.'],
    ['ja', 'コンプライアンス審査のためアカウントが制限され、出金できません。'],
  ])('%s: an account restricted for compliance review is compliance: %s', (_language, body) => {
    expect(classify(body)).toMatchObject({ category: 'compliance', priority: 'high' });
  });

  it.each([
    ['tr', 'Vergi beyannamesi için yıllık işlem dökümü alabilir miyim?'],
    ['en', 'Can I download a capital gains report for my tax return?'],
  ])('%s: a question about a tax statement is compliance and low: %s', (_language, body) => {
    expect(classify(body)).toMatchObject({ category: 'compliance', priority: 'low' });
  });

  it('reads a contained hack in German as security (frozen, nothing lost)', () => {
    expect(
      classify('Mein Konto wurde gehackt und gesperrt, es fehlt nichts. Bitte heben Sie die Sperre auf.'),
    ).toMatchObject({ category: 'security', priority: 'high' });
  });

  it('reads an API down with open positions while the price moves fast as urgent', () => {
    expect(
      classify(
        "API orders return 'Internal error', my bot has open perp positions and the price is moving fast",
      ),
    ).toMatchObject({ category: 'technical', priority: 'urgent' });
  });

  it.each([
    ['es', 'No me llegan las notificaciones push cuando se ejecutan mis órdenes.'],
    ['de', 'Ich bekomme keine Push-Benachrichtigungen mehr für ausgeführte Orders.'],
  ])('%s: push notifications not arriving are technical: %s', (_language, body) => {
    expect(classify(body).category).toBe('technical');
  });
});

describe('classify: batch v2 causes and ordinary phrasings in every language (1.7.0)', () => {
  it.each([
    // A disabled or banned account with money in it: locked out, high
    [
      'en',
      'My account has been suspended out of nowhere and I still have 2 ETH on it. What now?',
      'account',
      'high',
    ],
    ['de', 'Mein Konto wurde deaktiviert und ich habe noch 3 ETH darauf. Bitte prüfen.', 'account', 'high'],
    ['ru', 'Аккаунт заморожен без объяснений, на нём 500 USDT, что делать?', 'account', 'high'],
    // A lost 2FA phone with "no unauthorized access": account, not security
    ['zh', '换手机后谷歌验证器没了，没有异常登录，现在登录不了，怎么重置？', 'account', 'high'],
    [
      'es',
      'Perdí el móvil con el autenticador 2FA, no hay accesos no autorizados, pero no puedo entrar.',
      'account',
      'high',
    ],
    // Sub-accounts, nickname and language settings: account
    ['ko', '하위계정은 어떻게 만드나요?', 'account', 'low'],
    ['tr', 'Kullanıcı adımı değiştirmeye çalışıyorum ama kaydedilmiyor, hata veriyor.', 'account', 'normal'],
    ['ru', 'Как поменять язык приложения?', 'account', 'low'],
    // P2P coins not released after paying: high
    [
      'de',
      'P2P-Verkäufer hat mein Geld bekommen, gibt die Coins aber nicht frei. Schon 3 Stunden.',
      'trading',
      'high',
    ],
    ['zh', 'P2P买币已经付款了，卖家一直不放行，怎么办？', 'trading', 'high'],
    // Paid by card, nothing on the balance: high
    [
      'en',
      'Paid 200 EUR by card, my bank shows it charged but my balance has not changed since yesterday.',
      'deposit_withdrawal',
      'high',
    ],
    ['tr', 'Kartla para yatırdım, kartımdan çekildi ama bakiyeme yansımadı.', 'deposit_withdrawal', 'high'],
    // A pending withdrawal to a wrong address the customer asks to stop: urgent
    [
      'vi',
      'Tôi vừa rút USDT nhầm địa chỉ, lệnh vẫn đang chờ xử lý, hủy giúp tôi ngay!',
      'deposit_withdrawal',
      'urgent',
    ],
    // An API key posted publicly: security, urgent ("par erreur" is no error message)
    [
      'es',
      'Subí mi clave API a GitHub por error, tiene permisos de trading. ¿Qué hago?',
      'security',
      'urgent',
    ],
    [
      'ja',
      'APIキーをGitHubに公開してしまいました。出金権限はありませんが取引権限があります。',
      'security',
      'urgent',
    ],
    // Someone claiming to be support asking for the seed phrase, nothing given: security, normal
    [
      'pt',
      'Um cara no Telegram dizendo ser do suporte pediu minha frase semente. Não dei nada.',
      'security',
      'normal',
    ],
    [
      'fr',
      "Quelqu'un se faisant passer pour le support m'a demandé ma phrase de récupération. Je ne lui ai rien donné.",
      'security',
      'normal',
    ],
    // A withdrawal held for a source-of-funds check: compliance, high
    [
      'ru',
      'Вывод заблокирован, служба комплаенса просит подтвердить источник средств.',
      'compliance',
      'high',
    ],
    // General availability and timing questions: low
    ['ja', 'ニューヨーク在住でも利用できますか？', 'compliance', 'low'],
    ['ru', 'Какая минимальная сумма депозита?', 'deposit_withdrawal', 'low'],
    // A setting chosen but not applied is a UI bug
    ['en', 'The app shows prices in USD even though I selected JPY in the settings.', 'technical', 'normal'],
    // An error on one order is trading by the rules (the model's reading is another: see "has a cost");
    // a site outage with a position at risk is technical
    [
      'en',
      "Your website has been down for 15 minutes and my futures position is close to liquidation, I can't do anything!",
      'technical',
      'urgent',
    ],
    // A scam SMS about a withdrawal not made, link not clicked, balance normal: a report
    [
      'pt',
      'Recebi um SMS dizendo que meu saque foi aprovado, mas eu não fiz saque nenhum. Não cliquei no link e meu saldo está normal.',
      'security',
      'normal',
    ],
  ])('%s: %s → %s/%s', readsAs);
});

describe('priority model (1.10.0, linear since 1.17.0)', () => {
  const training = [
    { body: 'my margin ratio is rising, what should I do', category: 'trading', priority: 'urgent' },
    { body: 'my margin ratio went up again, help', category: 'trading', priority: 'urgent' },
    { body: 'how do I read the margin ratio', category: 'trading', priority: 'low' },
  ] as const;

  it('is off at weight 0: the priority rules alone', () => {
    const rulesOnly = createClassifier({ priorityModelWeight: 0, categoryModelWeight: 0, labelsOnly: true });
    const defaults = createClassifier({ labelsOnly: true });
    // a clear case: the rules lead by more than the model's weight, so the model is not consulted
    const body = 'Someone logged into my account and withdrew all my BTC!';
    expect(defaults.classify({ body }).priority).toBe(rulesOnly.classify({ body }).priority);
    expect(defaults.classify({ body }).confidence.priority).toBe(
      rulesOnly.classify({ body }).confidence.priority,
    );
  });

  it('learns what a concept says about priority and decides close calls with it', () => {
    // The rules have no priority cue here ("margin" is a futures word): normal by default. The model
    // learnt from two of three lines that mention futures that they were urgent.
    const body = 'question about my margin ratio';
    const without = createClassifier({ trainingSet: training, priorityModelWeight: 0, labelsOnly: true });
    const withModel = createClassifier({ trainingSet: training, labelsOnly: true });
    expect(without.classify({ body }).priority).toBe('normal');
    expect(withModel.classify({ body }).priority).toBe('urgent');
  });
});

describe('where the models may not vote (1.13.0)', () => {
  it('keeps a priority the rubric states outright, whatever the priority model learnt', () => {
    // A model taught that every takeover report is low must still not talk an active threat down.
    const training = [
      { body: 'someone logged into my account and withdrew my BTC', category: 'security', priority: 'low' },
      { body: 'a withdrawal I did not make, someone else logged in', category: 'security', priority: 'low' },
      { body: 'my password was changed by someone else', category: 'security', priority: 'low' },
    ] as const;
    const taught = createClassifier({ trainingSet: training, priorityModelWeight: 100, labelsOnly: true });
    expect(
      taught.classify({ body: 'Someone logged into my account and withdrew all my BTC!' }).priority,
    ).toBe('urgent');
  });

  it('keeps an active threat in security, whatever the category model learnt (1.17.0)', () => {
    // A model taught that every report of someone else's withdrawal is a deposit question must not route
    // an active threat away from the security team: "any sign of unauthorized activity is security".
    const training = [
      {
        body: 'someone withdrew my BTC, I did not do it',
        category: 'deposit_withdrawal',
        priority: 'urgent',
      },
      {
        body: 'a withdrawal I did not make left my account',
        category: 'deposit_withdrawal',
        priority: 'urgent',
      },
      { body: 'my deposit has not arrived', category: 'deposit_withdrawal', priority: 'high' },
    ] as const;
    const taught = createClassifier({ trainingSet: training, categoryModelWeight: 100, labelsOnly: true });
    const body = '出金申請した 0.5 BTC がまだ処理中です。追記：誰かが勝手に 2 ETH を出金しています！';
    expect(taught.classify({ body }).category).toBe('security');
    expect(taught.classify({ body: 'my deposit has not arrived yet' }).category).toBe('deposit_withdrawal');
  });

  it('carries what one language taught to the others through the concepts', () => {
    // Trained on English lines only, in which a deposit that has not arrived is (wrongly) labelled
    // security, the model reads a Russian inquiry with the same concepts the same way: the concepts are
    // the same in every language.
    const english = [
      { body: 'my deposit has not arrived', category: 'security', priority: 'high', language: 'en' },
      { body: 'deposit missing since yesterday', category: 'security', priority: 'high', language: 'en' },
      { body: 'how do I enable 2FA', category: 'account', priority: 'low', language: 'en' },
    ] as const;
    const body = 'Депозит ещё не пришёл, подскажите';
    const rulesOnly = createClassifier({ categoryModelWeight: 0, priorityModelWeight: 0, labelsOnly: true });
    const taught = createClassifier({
      trainingSet: english,
      categoryModelWeight: 10_000,
      priorityModelWeight: 0,
      labelsOnly: true,
    });
    expect(rulesOnly.classify({ body }).category).toBe('deposit_withdrawal');
    expect(taught.classify({ body }).category).toBe('security');
  });
});

describe('classify: rubric boundary rules', () => {
  it('unauthorized activity is security even when a withdrawal is mentioned', () => {
    const r = classify(
      '身に覚えのない出金があります。0.5 ETH が外部アドレスに出金されました。私は行っていません。',
    );
    expect(r).toMatchObject({ category: 'security', priority: 'urgent' });
  });

  it('identity verification is compliance even when it blocks a withdrawal', () => {
    expect(
      classify(
        'I cannot withdraw because my identity verification (KYC) is still pending, passport uploaded.',
      ).category,
    ).toBe('compliance');
  });

  it('a lost 2FA phone without compromise is account, not security', () => {
    const r = classify(
      '機種変更したら認証アプリの中身が消えました。乗っ取りとかではなく自分のミスです。ログインできません。',
    );
    expect(r.category).toBe('account');
    expect(r.priority).toBe('high');
  });

  it('API and websocket errors are technical', () => {
    expect(
      classify('websocket stream keeps disconnecting with close code 1006 every few minutes').category,
    ).toBe('technical');
  });

  it('a phishing report by someone who entered nothing is security but normal', () => {
    const r = classify(
      "PSA: fake login page at zenkoex-login[.]com in Google ads. I didn't enter anything, just reporting.",
    );
    expect(r).toMatchObject({ category: 'security', priority: 'normal' });
  });

  it('an API bug is normal unless it leaves funds stuck', () => {
    expect(
      classify('API returns 429 Too Many Requests on GET /api/v2/depth although we are under the limit')
        .priority,
    ).toBe('normal');
    expect(
      classify('API withdrawals return 500 but funds deducted and not returned to our balance').priority,
    ).toBe('high');
  });
});

describe('classify: everyday words that are no threat (1.9.0 sweep of the threat lexicons)', () => {
  it.each([
    ['zh', '这不是我第一次遇到这个问题了，K线又不更新'], // 不是我 in "not my first time"
    ['ru', 'Ещё не ясно, прошёл ли депозит, подскажите'], // не я in не ясно
    ['vi', 'API trả về lỗi, lệnh không thực hiện được'], // không thực hiện: "could not be executed"
    ['id', 'Muncul error tidak dikenal saat buka aplikasi'], // tidak dikenal: an unknown error
    ['ja', 'API で「署名が不正です」と返ってきます'], // 不正: "invalid"
    ['de', 'Die Einstellung wird nicht übernommen, die App zeigt weiter USD'], // übernommen: applied
    ['ko', '유심을 바꿨는데 문자 인증이 안 와요'], // a new SIM of one's own
    ['es', 'Tengo un robot de trading conectado por API y da error de firma'], // robo in robot
    ['pt', 'Ainda não fiz o depósito, queria saber o prazo do PIX'], // não fiz: not yet made
  ])('%s: %s is no security case', (_language, body) => {
    expect(classify(body).category).not.toBe('security');
    expect(classify(body).priority).not.toBe('urgent');
  });

  it('reads a lost phone in Korean as lost, not stolen', () => {
    expect(classify('핸드폰을 잃어버렸어요. 2단계 인증 코드를 받을 수 없어요')).toMatchObject({
      category: 'account',
      priority: 'normal',
    });
  });
});

describe('classify: batch n7 causes in new phrasings (1.15.0)', () => {
  it.each([
    [
      'en',
      "Got 2 'withdrawal successful' emails overnight, my USDT is all gone and I approved nothing",
      'security',
      'urgent',
    ],
    ['ja', 'TwitterでDMくれた人にIDとパスワードを送っちゃいました。大丈夫でしょうか', 'security', 'urgent'],
    ['id', 'ada notif login dari HP Android di Medan, saya tidak pernah ke Medan', 'security', 'urgent'],
    ['zh', '账户里有几个不是我下的卖单，币被低价卖了', 'security', 'urgent'],
  ])('%s: %s → %s/%s', readsAs);
});

describe('classify: batch n5 causes in new phrasings (1.11.0)', () => {
  it.each([
    [
      'en',
      "I found an API key with withdrawal permission that I didn't create. Please freeze my account now",
      'security',
      'urgent',
    ],
    ['zh', '我根本没在操作，却收到了提币验证码，请马上冻结', 'security', 'urgent'],
    ['ru', 'В аккаунте появился субаккаунт, которого я не создавал, туда ушли деньги', 'security', 'urgent'],
    // a login page "identical to the real one" reached from a link, credentials typed in
    ['ko', '텔레그램 링크 들어갔는데 진짜랑 똑같아서 비번이랑 OTP까지 입력했어요', 'security', 'urgent'],
    // a pending withdrawal to an exchange that does not support the network, asked to be stopped
    [
      'en',
      "Please cancel withdrawal W-123 now, Kraken doesn't support BEP20 and it's still awaiting approval",
      'deposit_withdrawal',
      'urgent',
    ],
    // the app closes and there is no other way in, with coins inside
    ['ko', '앱이 꺼져서 접속할 방법이 없는데 코인이 들어있어요', 'technical', 'high'],
    // 한 적 없 alone ("never did it") is no unauthorized activity: a phone never rooted
    ['ko', '루팅 같은 거 한 적 없는데 앱이 안 열려요', 'technical', 'normal'],
  ])('%s: %s → %s/%s', readsAs);
});

describe('classify: batch n3 causes in new phrasings (1.9.0)', () => {
  it.each([
    // "hack" is a word, not a prefix of "hackathon"
    [
      'en',
      'We are organising a student hackathon and would love you to sponsor it with API credits or a speaker.',
      'other',
      'low',
    ],
    // 勝手に alone is "by itself": an order cancelled by self-trade prevention is no unauthorized activity
    ['ja', '指値注文が勝手にキャンセルされていました。理由はSTPと表示されています。', 'trading', 'normal'],
    // "a withdrawal although I withdrew nothing" is an unauthorized withdrawal
    [
      'ja',
      '出金していないのに、ETHが外部アドレスに送金されています。すぐ止めてください',
      'security',
      'urgent',
    ],
    // a takeover word negated after it, whatever sits between: a lost phone, locked out, with funds
    [
      'ja',
      'スマホをなくして認証アプリが使えず、ログインできません。乗っ取りではないです。残高が30万円あります',
      'account',
      'high',
    ],
    // the margin ratio at a level now, and the customer cannot act
    [
      'en',
      "my margin ratio just hit 93% and it won't let me add margin, please help now",
      'trading',
      'urgent',
    ],
    // a remote-access app installed for a fake agent is access given
    [
      'en',
      "A man from 'Zenkoex support' asked me to install AnyDesk and I logged into my account while he watched",
      'security',
      'urgent',
    ],
    // a past SIM swap, contained, nothing went out (流出はありませんでした), unfreeze asked: high
    [
      'ja',
      'SIMスワップの被害で凍結してもらいましたが、資産の流出はありませんでした。凍結を解除してください',
      'security',
      'high',
    ],
    // a login alert that turned out to be the customer's own laptop
    [
      'de',
      "Hallo, ich habe eine Mail 'Neue Anmeldung' bekommen, war aber doch ich selbst. Wo sehe ich meine Geräte?",
      'security',
      'normal',
    ],
  ])('%s: %s → %s/%s', readsAs);
});

describe('classify: close calls go to the category model (1.8.0, linear since 1.17.0)', () => {
  const rulesOnly = createClassifier({ categoryModelWeight: 0, labelsOnly: true });

  it('leaves clear cases to the rules: same labels and confidence with and without the model', () => {
    const body = 'someone logged into my account from Russia and withdrew all my BTC, it was not me!';
    const withModel = classify(body);
    const without = rulesOnly.classify({ body });
    expect(withModel.category).toBe('security');
    expect(withModel.confidence.category).toBe(without.confidence.category);
  });

  it.each([
    // a feature wish about weekend deposits: the rules see the deposit words, the model a suggestion
    ['ja', '週末も銀行振込で入金できるようにしてほしいです。', 'deposit_withdrawal', 'other'],
  ])('lets the model decide where the rules are close (%s: %s)', (_language, body, byRules, byBoth) => {
    expect(rulesOnly.classify({ body }).category).toBe(byRules);
    expect(classify(body).category).toBe(byBoth);
    // Overturning the rules' first choice leaves the reading as uncertain as the rules were: reviewed.
    expect(classify(body).confidence.category).toBeLessThanOrEqual(
      rulesOnly.classify({ body }).confidence.category,
    );
    expect(classify(body).needsReview).toBe(true);
  });

  it('reads a short error on one order as trading, as the rubric lists cancellations (1.17.0)', () => {
    // The naive-Bayes model of 1.8.0-1.16.0, which had seen "error" mostly in technical inquiries,
    // outvoted the rules here; the linear model, which also reads the concepts, does not.
    // (The same in Indonesian became a close call again with n32-n39 in training: see the table below.)
    for (const body of [
      "My order can't be cancelled, it keeps showing an error",
      "I can't cancel my limit order, it says order not found",
    ]) {
      expect(rulesOnly.classify({ body }).category).toBe('trading');
      expect(classify(body).category).toBe('trading');
    }
  });
});

describe('where the models overturn the rubric reading of the rules (1.17.0)', () => {
  const rulesOnly = createClassifier({ categoryModelWeight: 0, priorityModelWeight: 0, labelsOnly: true });

  // The rules read each of these as the rubric says. The linear models, which read blind batches better
  // than the rules (README, 1.17.0), outvote them here; where they do, the reading keeps the rules' own
  // low confidence, so the inquiry is never confidently wrong: it goes to review.
  it.each([
    // a how-to about one's own KYC status, withdrawal id or missing records: the customer's case
    ['ja', '本人確認の審査状況はどこで確認できますか？', 'priority', 'normal'],
    ['en', 'Where can I see the status of withdrawal id 55120931?', 'priority', 'normal'],
    ['ja', '注文番号 88120931 の手数料はいくらですか？', 'priority', 'normal'],
    [
      'en',
      'The trade history export is missing all of my trades from March. How do I get a full export?',
      'priority',
      'normal',
    ],
    // "it won't let me in": locked out
    ['de', 'Die App lässt mich nicht rein, obwohl Passwort und 2FA-Code stimmen.', 'priority', 'high'],
    // an error on one order is trading, as the rubric lists cancellations
    ['id', 'Order saya tidak bisa dibatalkan, muncul error terus', 'category', 'trading'],
    // an app crash alone is a bug, with a futures tab named (1.17.0, with n24-n31 in training)
    ['en', 'The app keeps crashing when I open my futures positions tab.', 'priority', 'normal'],
    // a display flaw on a deposit screen is technical
    ['de', 'Im Dark Mode ist die Einzahlungshistorie schwer lesbar.', 'category', 'technical'],
    // 유출 ("assets going out") negated: no threat
    ['ko', '자산 유출은 없었고 비밀번호만 바꾸고 싶어요', 'priority', 'normal'],
  ] as const)('%s: %s: %s is %s, or flagged for review', (_language, body, field, rubric) => {
    expect(rulesOnly.classify({ body })[field]).toBe(rubric);
    const blended = classify(body);
    expect(blended[field] === rubric || blended.needsReview).toBe(true);
  });
});

describe('classify: odd inputs', () => {
  it('handles an empty body without throwing and asks for review', () => {
    const r = classify('');
    expect(r.category).toBe('other');
    expect(r.needsReview).toBe(true);
    expect(entitiesSchema.parse(r.entities)).toEqual(r.entities);
  });

  it('handles a body of emoji only', () => {
    const r = classify('😡😡😡🙏🙏');
    expect(r.category).toBe('other');
    expect(r.language).toMatch(/^[a-z]{2}$/);
    expect(r.needsReview).toBe(true);
  });

  it('classifies a 20,000-character body by its content', () => {
    const body =
      `My withdrawal of 2,500 USDT has been pending for 5 days. ${'Please check the logs. '.repeat(900)}`.slice(
        0,
        20000,
      );
    const r = classify(body);
    expect(body).toHaveLength(20000);
    expect(r.category).toBe('deposit_withdrawal');
    expect(r.priority).toBe('high');
  });

  it('returns contract-shaped output with at most three scored articles in the inquiry language', () => {
    const r = classify('出金が処理中のまま2日経ちます。出金ID: W250219003471');
    expect(r.suggestedArticles.length).toBeGreaterThan(0);
    expect(r.suggestedArticles.length).toBeLessThanOrEqual(3);
    for (const a of r.suggestedArticles) expect(suggestedArticleSchema.parse(a)).toEqual(a);
    expect(r.suggestedArticles[0]).toMatchObject({ id: 'withdrawal-pending', language: 'ja' });
    expect(r.confidence.category).toBeGreaterThan(0);
    expect(r.confidence.category).toBeLessThanOrEqual(1);
  });

  it('falls back to English articles for languages without translations', () => {
    const r = classify('Мой аккаунт взломали, кто-то сделал вывод');
    expect(r.suggestedArticles[0]?.language).toBe('en');
    expect(r.suggestedArticles[0]?.id).toBe('unauthorized-access');
  });

  it('finds English articles for a Spanish inquiry through its concepts, not shared words', () => {
    const r = classify('Mi retiro de 300 USDT sigue pendiente desde ayer, ¿qué pasa?');
    expect(r.suggestedArticles.map((a) => a.id)).toContain('withdrawal-pending');
    expect(r.suggestedArticles.every((a) => a.language === 'en')).toBe(true);
  });
});

describe('review threshold', () => {
  it('flags everything for review with a threshold of 1 and nothing confident with 0', () => {
    const body = 'withdrawal stuck for 3 days, not credited';
    expect(createClassifier({ reviewThreshold: 1 }).classify({ body }).needsReview).toBe(true);
    expect(createClassifier({ reviewThreshold: 0 }).classify({ body }).needsReview).toBe(false);
    expect(CLASSIFIER_VERSION).toMatch(/^rules/);
  });
});

describe('classifyFollowUp', () => {
  it('raises priority and moves to security when the customer reports unauthorized activity', () => {
    const first = classify('How do I change the display currency in the app?');
    expect(first.priority).toBe('low');
    const next = classifier.classifyFollowUp(first, {
      body: 'How do I change the display currency in the app?\n\nUPDATE: someone just withdrew my funds, it was not me!',
    });
    expect(next).toMatchObject({ category: 'security', priority: 'urgent' });
  });

  it('never lets priority fall silently', () => {
    const first = classify('I did not make this withdrawal, 1 BTC went to an unknown address!');
    expect(first.priority).toBe('urgent');
    const calmer = classify('ok thanks, how do I set a nickname?');
    const merged = classifyFollowUp(first, calmer);
    expect(merged.priority).toBe('urgent');
    expect(merged.category).toBe('security');
  });
});
