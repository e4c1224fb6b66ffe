"""Every word the bot says, in Indonesian (the default) and English.

Plain dictionaries keyed by language, so handlers need no Flask request context. Messages go
out as plain text (no parse mode): whatever a reporter typed and we echo back stays inert.
Placeholders are filled with ``str.format``; values are never interpreted as templates.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LANGUAGE = "id"
LANGUAGES = ("id", "en")

COMMANDS = {
    "id": [
        ("lapor", "Buat pengaduan baru"),
        ("status", "Lihat status pengaduan Anda"),
        ("tambah", "Tambahkan keterangan atau bukti ke pengaduan"),
        ("bantuan", "Cara memakai bot ini"),
        ("bahasa", "Ganti bahasa"),
        ("batal", "Batalkan langkah yang sedang berjalan"),
    ],
    "en": [
        ("lapor", "File a new complaint"),
        ("status", "See the status of your complaints"),
        ("tambah", "Add information or evidence to a complaint"),
        ("bantuan", "How to use this bot"),
        ("bahasa", "Change the language"),
        ("batal", "Cancel the current step"),
    ],
}

_ID: dict[str, str] = {
    # --- greeting, help, language ------------------------------------------------------------
    "start": (
        "Selamat datang di layanan pengaduan ZI Portal.\n\n"
        "Di sini Anda dapat melaporkan pungutan liar, suap, pelayanan yang buruk, atau"
        " pelanggaran lain oleh unit kerja pemerintah, lalu mengikuti tindak lanjutnya.\n\n"
        "Privasi: laporan hanya diterima di obrolan pribadi ini. Anda memilih sendiri apakah"
        " laporan anonim, rahasia, atau terbuka. Nomor obrolan Telegram Anda kami simpan hanya"
        " untuk mengirim jawaban; nomor itu dilindungi seperti identitas, hanya dapat dilihat"
        " petugas yang berwenang, dan tidak pernah dipublikasikan. Foto dan dokumen dibersihkan"
        " dari metadata sebelum dilihat petugas.\n\n"
        "/lapor - buat pengaduan\n"
        "/status - lihat pengaduan Anda\n"
        "/tambah - tambahkan keterangan atau bukti\n"
        "/bantuan - bantuan\n\n"
        "Pilih bahasa:"
    ),
    "help": (
        "Cara memakai bot ini:\n\n"
        "/lapor - membuat pengaduan langkah demi langkah: unit, kategori, kejadian, waktu dan"
        " tempat, bukti, kerahasiaan, kontak. Sebelum dikirim, Anda melihat ringkasannya.\n"
        "/status - daftar pengaduan Anda; /status ZI-XXXX-XXXX untuk satu pengaduan.\n"
        "/tambah ZI-XXXX-XXXX - menambahkan keterangan atau bukti. Anda juga dapat membalas"
        " (reply) pesan saya tentang sebuah pengaduan.\n"
        "/bahasa - ganti bahasa.\n"
        "/batal - membatalkan langkah yang sedang berjalan, kapan saja.\n\n"
        "Bukti yang diterima: foto, PDF, dokumen Office, teks, video MP4, suara MP3."
        " Pesan suara Telegram belum dapat dilampirkan."
    ),
    "choose_language": "Pilih bahasa:",
    "language_set": "Bahasa diganti ke Bahasa Indonesia.",
    # --- refusals and hostile input ------------------------------------------------------------
    "group_refusal": (
        "Maaf, pengaduan bersifat pribadi. Silakan bicara dengan saya di obrolan pribadi:"
        " buka profil saya dan tekan Mulai. Saya tidak menyimpan apa pun dari grup ini."
    ),
    "edited_ignored": (
        "Pesan yang diubah tidak ikut terbaca. Jika ada koreksi, kirim sebagai pesan baru."
    ),
    "flood": (
        "Pesan Anda datang terlalu cepat; beberapa pesan terakhir tidak saya baca."
        " Tunggu sebentar, lalu kirim lagi satu per satu."
    ),
    "unknown_command": "Perintah itu tidak saya kenal. Kirim /bantuan untuk melihat perintah.",
    "stray_text": (
        "Untuk membuat pengaduan, kirim /lapor. Untuk melihat pengaduan Anda, kirim /status."
        " Untuk menambah keterangan, balas pesan saya tentang pengaduan itu atau kirim"
        " /tambah NOMOR. Bantuan: /bantuan."
    ),
    "stray_code": "Ingin melihat pengaduan {code}? Kirim /status {code}.",
    "stray_media": (
        "Untuk melampirkan bukti pada pengaduan, balas (reply) pesan saya tentang pengaduan itu"
        " atau kirim /tambah NOMOR. Untuk pengaduan baru, kirim /lapor."
    ),
    "voice": (
        "Maaf, pesan suara belum dapat dilampirkan sebagai bukti. Mohon tuliskan isinya sebagai"
        " teks."
    ),
    "sticker": "Stiker tidak dapat saya baca. Mohon tulis dengan teks.",
    "location_out": (
        "Lokasi hanya saya tanyakan di langkah 'di mana kejadiannya' saat /lapor. Lokasi ini"
        " tidak saya simpan."
    ),
    "contact_out": (
        "Kontak ini tidak saya simpan. Data kontak (opsional) ditanyakan di akhir /lapor, dan"
        " hanya kontak Anda sendiri."
    ),
    "other_out": "Pesan jenis ini tidak dapat saya proses. Kirim /bantuan untuk bantuan.",
    "nothing_to_cancel": "Tidak ada yang sedang berjalan. Kirim /lapor untuk membuat pengaduan.",
    "cancelled": "Dibatalkan. Draf laporan sudah dihapus. Kirim /lapor untuk mulai lagi.",
    "followup_cancelled": "Selesai. Kirim /status untuk melihat pengaduan Anda.",
    "expired_button": "Tombol ini sudah tidak berlaku.",
    "in_progress": "Anda sedang membuat laporan. Lanjutkan dari pertanyaan ini, atau /batal.",
    "busy_followup": "Anda sedang menambahkan pesan. Tekan Selesai atau kirim /batal dulu.",
    "draft_missing": "Draf laporan ini sudah tidak ada. Kirim /lapor untuk mulai lagi.",
    "error": ("Maaf, terjadi gangguan. Draf Anda tetap tersimpan; coba lagi sebentar lagi."),
    "cancel_hint": "(/batal untuk membatalkan)",
    # --- /lapor --------------------------------------------------------------------------------
    "ask_unit": (
        "Langkah 1 dari 8. Unit kerja mana yang Anda laporkan?\n"
        "Ketik sebagian nama unitnya (misalnya 'dukcapil' atau 'kantor pajak'), atau tekan"
        " 'Tidak tahu'."
    ),
    "unit_matches": "Pilih unitnya, atau ketik nama lain:",
    "unit_none": (
        "Tidak ada unit yang cocok dengan '{query}'. Ketik bagian nama yang lain, atau tekan"
        " 'Tidak tahu' dan kami yang akan mencarinya dari keterangan Anda."
    ),
    "unit_too_short": "Ketik paling sedikit 3 huruf dari nama unit, atau tekan 'Tidak tahu'.",
    "unit_unknown_button": "Tidak tahu",
    "unit_chosen": "Unit: {name}",
    "unit_unknown_chosen": "Unit: tidak tahu. Petugas akan menentukannya.",
    "ask_category": "Langkah 2 dari 8. Apa jenis masalahnya? Pilih kelompoknya:",
    "category_in_group": "{group}: pilih yang paling sesuai.",
    "other_group": "Lainnya",
    "back_button": "« Kembali",
    "category_chosen": "Kategori: {name}",
    "ask_description": (
        "Langkah 3 dari 8. Ceritakan apa yang terjadi: siapa, apa, kapan, di mana, bagaimana."
        " Boleh dalam beberapa pesan; saya gabungkan. Tekan 'Lanjut' jika sudah selesai."
    ),
    "ask_description_again": (
        "Kirim uraian yang baru; uraian lama akan diganti. Tekan 'Lanjut' jika sudah selesai."
    ),
    "description_saved": "Tersimpan ({count} karakter). Kirim lanjutannya, atau tekan 'Lanjut'.",
    "description_too_short": (
        "Uraian masih terlalu pendek (minimal {minimum} karakter, sekarang {count})."
        " Tambahkan penjelasan."
    ),
    "description_too_long": (
        "Uraian terlalu panjang: maksimal {maximum} karakter, pesan ini akan membuatnya {count}."
        " Pesan ini tidak saya simpan; ringkas, atau tekan 'Lanjut'."
    ),
    "next_button": "Lanjut »",
    "ask_when": (
        "Langkah 4 dari 8. Kapan kejadiannya? Ketik tanggal, misalnya 17-08-2025, atau"
        " 'hari ini' / 'kemarin'. Tekan 'Lewati' jika tidak ingat."
    ),
    "when_invalid": "Tanggal tidak saya pahami. Contoh: 17-08-2025. Atau tekan 'Lewati'.",
    "when_future": "Tanggal kejadian tidak boleh di masa depan.",
    "when_too_old": "Tanggal itu terlalu lama (sebelum 1990).",
    "skip_button": "Lewati",
    "ask_where": (
        "Langkah 5 dari 8. Di mana kejadiannya? Ketik tempatnya (misalnya 'loket 3, kantor"
        " kecamatan'), kirim lokasi, atau tekan 'Lewati'."
    ),
    "where_too_long": "Tempat kejadian terlalu panjang (maksimal {maximum} karakter).",
    "location_text": "lokasi {latitude:.5f}, {longitude:.5f}",
    "ask_evidence": (
        "Langkah 6 dari 8. Ada bukti? Kirim foto, dokumen, atau video (boleh beberapa)."
        " Tekan 'Selesai' jika sudah, atau jika tidak ada bukti.\n"
        "Catatan: foto yang dikirim sebagai foto dikompres Telegram; kirim sebagai file jika"
        " aslinya penting. Metadata (misalnya lokasi GPS) dihapus dari salinan yang dilihat"
        " petugas; berkas aslinya disegel sebagai bukti."
    ),
    "evidence_added": "Bukti diterima: {name} ({count} berkas). Kirim lagi, atau tekan 'Selesai'.",
    "evidence_duplicate": "Berkas ini sudah dilampirkan.",
    "evidence_too_big": (
        "Berkas {name} berukuran {size} MB, melebihi batas {limit} MB per berkas. Berkas ini"
        " tidak saya unduh."
    ),
    "evidence_total_too_big": (
        "Seluruh bukti akan berukuran {total} MB, melebihi batas {limit} MB. Berkas ini tidak"
        " saya unduh."
    ),
    "evidence_too_many": "Paling banyak {limit} berkas. Tekan 'Selesai' untuk lanjut.",
    "evidence_refused": "Berkas ini tidak dapat diterima:\n{reasons}",
    "evidence_download_failed": (
        "Berkas tidak dapat saya ambil dari Telegram sekarang. Coba kirim lagi sebentar lagi."
    ),
    "evidence_cleared": "Semua bukti dihapus dari draf.",
    "clear_files_button": "Hapus semua bukti",
    "done_button": "Selesai",
    "ask_privacy": (
        "Langkah 7 dari 8. Siapa yang boleh tahu identitas Anda?\n\n"
        "Anonim: nama Anda tidak disimpan. Nomor obrolan Telegram tetap kami simpan agar"
        " jawaban sampai kepada Anda, dan dilindungi seperti identitas.\n"
        "Rahasia: identitas Anda hanya dapat dilihat petugas yang berwenang, dan laporan tidak"
        " pernah dipublikasikan.\n"
        "Terbuka: isi laporan boleh dipublikasikan tanpa identitas Anda setelah disetujui"
        " inspektur.\n\n"
        "Untuk kategori ini kami sarankan: {recommended}."
    ),
    "privacy_chosen": "Kerahasiaan: {name}",
    "ask_contact": (
        "Langkah 8 dari 8 (opsional). Agar petugas dapat menghubungi Anda di luar Telegram,"
        " kirim nomor telepon dan/atau email, dan nama Anda, masing-masing di baris sendiri."
        " Atau tekan 'Lewati'."
    ),
    "ask_contact_anonymous": (
        "Langkah 8 dari 8 (opsional). Laporan anonim tidak menyimpan nama. Jika ingin dihubungi"
        " di luar Telegram, kirim nomor telepon dan/atau email, masing-masing di baris sendiri."
        " Atau tekan 'Lewati'."
    ),
    "contact_name_anonymous": (
        "Laporan anonim tidak menyimpan nama. Kirim hanya telepon/email, tekan 'Lewati', atau"
        " ubah kerahasiaan nanti di ringkasan."
    ),
    "contact_invalid": "Kontak tidak valid: {value}. Contoh: 0812 3456 7890 atau nama@contoh.id.",
    "contact_not_own": "Hanya kontak Anda sendiri yang dapat dipakai.",
    # --- summary and filing --------------------------------------------------------------------
    "summary": (
        "Ringkasan laporan Anda\n\n"
        "Unit: {unit}\n"
        "Kategori: {category}\n"
        "Judul: {title}\n"
        "Uraian ({length} karakter):\n{description}\n\n"
        "Tanggal kejadian: {date}\n"
        "Tempat: {place}\n"
        "Bukti: {files}\n"
        "Kerahasiaan: {privacy}\n"
        "Kontak: {contact}\n\n"
        "Periksa kembali, lalu tekan Kirim, Ubah, atau Batal."
    ),
    "unit_unknown_summary": "tidak tahu ({hint})",
    "none": "-",
    "files_count": "{count} berkas",
    "contact_telegram_only": "hanya lewat Telegram",
    "send_button": "Kirim",
    "edit_button": "Ubah",
    "cancel_button": "Batal",
    "edit_which": "Bagian mana yang ingin diubah?",
    "field_unit": "Unit",
    "field_category": "Kategori",
    "field_description": "Uraian",
    "field_date": "Tanggal",
    "field_place": "Tempat",
    "field_evidence": "Bukti",
    "field_privacy": "Kerahasiaan",
    "field_contact": "Kontak",
    "submit_invalid": "Laporan belum dapat dikirim:\n{reasons}\n\nMari perbaiki:",
    "submit_download_failed": (
        "Bukti tidak dapat saya ambil dari Telegram sekarang. Tekan Kirim lagi sebentar lagi."
    ),
    "submit_file_gone": "Berkas {name} sudah tidak tersedia di Telegram dan dihapus dari draf.",
    "filed": (
        "Terima kasih. Pengaduan Anda sudah kami terima.\n\n"
        "Nomor pelacakan: {code}\n"
        "Kunci akses: {key}\n\n"
        "Simpan kunci akses ini; bersama nomor pelacakan, kunci ini membuka pengaduan Anda di"
        " {url}/lacak. Jangan bagikan kepada siapa pun; petugas tidak akan pernah memintanya.\n\n"
        "Untuk menambah keterangan atau bukti, balas (reply) pesan ini. Untuk melihat"
        " perkembangan, kirim /status {code}."
    ),
    "already_filed": "Laporan ini sudah terkirim dengan nomor {code}.",
    "default_title": "Pengaduan melalui Telegram",
    # --- /status -------------------------------------------------------------------------------
    "status_none": "Belum ada pengaduan dari obrolan ini. Kirim /lapor untuk membuatnya.",
    "status_list": "Pengaduan Anda:\n\n{lines}\n\nUntuk rinciannya, kirim /status NOMOR.",
    "status_line": "{code} - {status} - {title}",
    "status_more": "… dan {count} pengaduan lebih lama.",
    "status_unknown": (
        "Pengaduan dengan nomor itu tidak ditemukan di obrolan ini. Periksa nomornya, atau"
        " kirim /status untuk melihat daftar."
    ),
    "status_detail": (
        "Pengaduan {code}\n"
        "Judul: {title}\n"
        "Kategori: {category}\n"
        "Status: {status}\n"
        "Diterima: {created}\n"
        "Terakhir diperbarui: {updated}\n"
        "{due}"
        "{replies}\n"
        "Balas pesan ini untuk menambah keterangan atau bukti."
    ),
    "status_due": "Batas verifikasi: {verification}; batas jawaban pertama: {answer}\n",
    "status_replies": "\nBalasan petugas terakhir ({date}):\n{body}\n",
    "status_no_replies": "\nBelum ada balasan petugas.\n",
    # --- follow-ups ----------------------------------------------------------------------------
    "followup_which": ("Ke pengaduan mana? Kirim /tambah NOMOR, misalnya /tambah {code}."),
    "followup_none": "Belum ada pengaduan dari obrolan ini. Kirim /lapor untuk membuatnya.",
    "followup_ask": (
        "Kirim keterangan atau bukti untuk {code} (teks, foto, dokumen). Tekan 'Selesai' jika"
        " sudah."
    ),
    "followup_added": "Ditambahkan ke {code}. Terima kasih.",
    "followup_refused": "Tidak dapat ditambahkan ke {code}:\n{reasons}",
}

_EN: dict[str, str] = {
    "start": (
        "Welcome to the ZI Portal complaints service.\n\n"
        "Here you can report illegal levies, bribery, poor service or other misconduct by a"
        " government work unit, and follow up on it.\n\n"
        "Privacy: reports are taken only in this private chat. You choose whether your report"
        " is anonymous, confidential or open. We keep your Telegram chat number only to send"
        " you answers; it is protected like an identity, visible only to cleared officers, and"
        " never published. Photos and documents are cleaned of metadata before officers see"
        " them.\n\n"
        "/lapor - file a complaint\n"
        "/status - see your complaints\n"
        "/tambah - add information or evidence\n"
        "/bantuan - help\n\n"
        "Choose a language:"
    ),
    "help": (
        "How to use this bot:\n\n"
        "/lapor - file a complaint step by step: unit, category, what happened, when and where,"
        " evidence, privacy, contact. You see a summary before it is sent.\n"
        "/status - list your complaints; /status ZI-XXXX-XXXX for one of them.\n"
        "/tambah ZI-XXXX-XXXX - add information or evidence. You can also reply to any of my"
        " messages about a complaint.\n"
        "/bahasa - change the language.\n"
        "/batal - cancel the current step, at any time.\n\n"
        "Evidence accepted: photos, PDF, Office documents, text, MP4 video, MP3 audio."
        " Telegram voice notes cannot be attached yet."
    ),
    "choose_language": "Choose a language:",
    "language_set": "Language changed to English.",
    "group_refusal": (
        "Sorry, reports are private. Please talk to me in a private chat: open my profile and"
        " press Start. I keep nothing from this group."
    ),
    "edited_ignored": "Edited messages are not read. Please send a correction as a new message.",
    "flood": (
        "Your messages are coming too fast; I did not read the last few. Wait a moment, then"
        " send them again one at a time."
    ),
    "unknown_command": "I don't know that command. Send /bantuan to see the commands.",
    "stray_text": (
        "To file a complaint, send /lapor. To see your complaints, send /status. To add"
        " information, reply to my message about the complaint or send /tambah CODE."
        " Help: /bantuan."
    ),
    "stray_code": "Want to see complaint {code}? Send /status {code}.",
    "stray_media": (
        "To attach evidence to a complaint, reply to my message about it or send /tambah CODE."
        " For a new complaint, send /lapor."
    ),
    "voice": (
        "Sorry, voice notes cannot be attached as evidence yet. Please write what you wanted"
        " to say as text."
    ),
    "sticker": "I cannot read stickers. Please write text.",
    "location_out": (
        "I only ask for a location at the 'where did it happen' step of /lapor. I have not"
        " kept this location."
    ),
    "contact_out": (
        "I have not kept this contact. Contact details (optional) are asked at the end of"
        " /lapor, and only your own."
    ),
    "other_out": "I cannot process this kind of message. Send /bantuan for help.",
    "nothing_to_cancel": "Nothing is in progress. Send /lapor to file a complaint.",
    "cancelled": "Cancelled. The draft has been deleted. Send /lapor to start again.",
    "followup_cancelled": "Done. Send /status to see your complaints.",
    "expired_button": "This button is no longer active.",
    "in_progress": "You are writing a report. Continue from this question, or /batal.",
    "busy_followup": "You are adding messages. Press Done or send /batal first.",
    "draft_missing": "This draft no longer exists. Send /lapor to start again.",
    "error": "Sorry, something went wrong. Your draft is kept; please try again shortly.",
    "cancel_hint": "(/batal to cancel)",
    "ask_unit": (
        "Step 1 of 8. Which work unit is your complaint about?\n"
        "Type part of its name (for example 'dukcapil' or 'tax office'), or press"
        " 'I don't know'."
    ),
    "unit_matches": "Choose the unit, or type another name:",
    "unit_none": (
        "No unit matches '{query}'. Type another part of the name, or press 'I don't know' and"
        " we will find it from your description."
    ),
    "unit_too_short": "Type at least 3 letters of the unit's name, or press 'I don't know'.",
    "unit_unknown_button": "I don't know",
    "unit_chosen": "Unit: {name}",
    "unit_unknown_chosen": "Unit: not known. Officers will determine it.",
    "ask_category": "Step 2 of 8. What kind of problem is it? Choose a group:",
    "category_in_group": "{group}: choose the closest one.",
    "other_group": "Other",
    "back_button": "« Back",
    "category_chosen": "Category: {name}",
    "ask_description": (
        "Step 3 of 8. Tell us what happened: who, what, when, where, how. Several messages are"
        " fine; I join them. Press 'Next' when you are done."
    ),
    "ask_description_again": (
        "Send the new description; it replaces the old one. Press 'Next' when you are done."
    ),
    "description_saved": "Saved ({count} characters). Send more, or press 'Next'.",
    "description_too_short": (
        "The description is still too short (at least {minimum} characters, now {count})."
        " Please add more."
    ),
    "description_too_long": (
        "Too long: at most {maximum} characters, this message would make it {count}. I have"
        " not kept this message; shorten it, or press 'Next'."
    ),
    "next_button": "Next »",
    "ask_when": (
        "Step 4 of 8. When did it happen? Type a date, for example 17-08-2025, or 'today' /"
        " 'yesterday'. Press 'Skip' if you don't remember."
    ),
    "when_invalid": "I did not understand that date. Example: 17-08-2025. Or press 'Skip'.",
    "when_future": "The date cannot be in the future.",
    "when_too_old": "That date is too long ago (before 1990).",
    "skip_button": "Skip",
    "ask_where": (
        "Step 5 of 8. Where did it happen? Type the place (for example 'counter 3, district"
        " office'), send a location, or press 'Skip'."
    ),
    "where_too_long": "The place is too long (at most {maximum} characters).",
    "location_text": "location {latitude:.5f}, {longitude:.5f}",
    "ask_evidence": (
        "Step 6 of 8. Any evidence? Send photos, documents or videos (several are fine). Press"
        " 'Done' when finished, or if you have none.\n"
        "Note: photos sent as photos are recompressed by Telegram; send them as files if the"
        " original matters. Metadata (such as GPS location) is removed from the copy officers"
        " see; the original file is sealed as evidence."
    ),
    "evidence_added": "Evidence received: {name} ({count} files). Send more, or press 'Done'.",
    "evidence_duplicate": "This file is already attached.",
    "evidence_too_big": (
        "The file {name} is {size} MB, over the limit of {limit} MB per file. I have not"
        " downloaded it."
    ),
    "evidence_total_too_big": (
        "All evidence would come to {total} MB, over the limit of {limit} MB. I have not"
        " downloaded this file."
    ),
    "evidence_too_many": "At most {limit} files. Press 'Done' to go on.",
    "evidence_refused": "This file cannot be accepted:\n{reasons}",
    "evidence_download_failed": (
        "I cannot fetch the file from Telegram right now. Please send it again shortly."
    ),
    "evidence_cleared": "All evidence was removed from the draft.",
    "clear_files_button": "Remove all evidence",
    "done_button": "Done",
    "ask_privacy": (
        "Step 7 of 8. Who may know who you are?\n\n"
        "Anonymous: your name is not kept. We still keep your Telegram chat number so that"
        " answers reach you, protected like an identity.\n"
        "Confidential: only cleared officers can see your identity, and the report is never"
        " published.\n"
        "Open: the report may be published without your identity once an inspector approves"
        " it.\n\n"
        "For this category we recommend: {recommended}."
    ),
    "privacy_chosen": "Privacy: {name}",
    "ask_contact": (
        "Step 8 of 8 (optional). So that officers can reach you outside Telegram, send a phone"
        " number and/or email, and your name, each on its own line. Or press 'Skip'."
    ),
    "ask_contact_anonymous": (
        "Step 8 of 8 (optional). Anonymous reports keep no name. If you want to be reached"
        " outside Telegram, send a phone number and/or email, each on its own line. Or press"
        " 'Skip'."
    ),
    "contact_name_anonymous": (
        "Anonymous reports keep no name. Send only a phone/email, press 'Skip', or change the"
        " privacy later in the summary."
    ),
    "contact_invalid": "Invalid contact: {value}. Example: 0812 3456 7890 or name@example.org.",
    "contact_not_own": "Only your own contact can be used.",
    "summary": (
        "Summary of your report\n\n"
        "Unit: {unit}\n"
        "Category: {category}\n"
        "Title: {title}\n"
        "Description ({length} characters):\n{description}\n\n"
        "Date: {date}\n"
        "Place: {place}\n"
        "Evidence: {files}\n"
        "Privacy: {privacy}\n"
        "Contact: {contact}\n\n"
        "Check it, then press Send, Edit or Cancel."
    ),
    "unit_unknown_summary": "not known ({hint})",
    "none": "-",
    "files_count": "{count} files",
    "contact_telegram_only": "Telegram only",
    "send_button": "Send",
    "edit_button": "Edit",
    "cancel_button": "Cancel",
    "edit_which": "Which part do you want to change?",
    "field_unit": "Unit",
    "field_category": "Category",
    "field_description": "Description",
    "field_date": "Date",
    "field_place": "Place",
    "field_evidence": "Evidence",
    "field_privacy": "Privacy",
    "field_contact": "Contact",
    "submit_invalid": "The report cannot be sent yet:\n{reasons}\n\nLet's fix it:",
    "submit_download_failed": (
        "I cannot fetch the evidence from Telegram right now. Press Send again shortly."
    ),
    "submit_file_gone": "The file {name} is no longer available on Telegram and was removed.",
    "filed": (
        "Thank you. We have received your complaint.\n\n"
        "Tracking code: {code}\n"
        "Access key: {key}\n\n"
        "Keep this access key; with the tracking code it opens your complaint at {url}/lacak."
        " Share it with no one; officers will never ask for it.\n\n"
        "To add information or evidence, reply to this message. To follow progress, send"
        " /status {code}."
    ),
    "already_filed": "This report was already sent with code {code}.",
    "default_title": "Complaint via Telegram",
    "status_none": "No complaints from this chat yet. Send /lapor to file one.",
    "status_list": "Your complaints:\n\n{lines}\n\nFor details, send /status CODE.",
    "status_line": "{code} - {status} - {title}",
    "status_more": "… and {count} older complaints.",
    "status_unknown": (
        "No complaint with that code was found in this chat. Check the code, or send /status"
        " for the list."
    ),
    "status_detail": (
        "Complaint {code}\n"
        "Title: {title}\n"
        "Category: {category}\n"
        "Status: {status}\n"
        "Received: {created}\n"
        "Last updated: {updated}\n"
        "{due}"
        "{replies}\n"
        "Reply to this message to add information or evidence."
    ),
    "status_due": "Verification due: {verification}; first answer due: {answer}\n",
    "status_replies": "\nLatest answer from the officers ({date}):\n{body}\n",
    "status_no_replies": "\nNo answer from the officers yet.\n",
    "followup_which": "Which complaint? Send /tambah CODE, for example /tambah {code}.",
    "followup_none": "No complaints from this chat yet. Send /lapor to file one.",
    "followup_ask": (
        "Send information or evidence for {code} (text, photos, documents). Press 'Done' when"
        " finished."
    ),
    "followup_added": "Added to {code}. Thank you.",
    "followup_refused": "Could not be added to {code}:\n{reasons}",
}

TEXTS: dict[str, dict[str, str]] = {"id": _ID, "en": _EN}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "id": {
        "diterima": "diterima",
        "verifikasi": "sedang diverifikasi",
        "tindak_lanjut": "sedang ditindaklanjuti",
        "perlu_info": "perlu keterangan dari Anda",
        "selesai": "selesai",
        "diteruskan": "diteruskan ke instansi lain",
        "ditolak": "ditolak",
        "digabung": "digabung dengan pengaduan lain",
    },
    "en": {
        "diterima": "received",
        "verifikasi": "being verified",
        "tindak_lanjut": "being followed up",
        "perlu_info": "waiting for information from you",
        "selesai": "closed",
        "diteruskan": "referred to another body",
        "ditolak": "rejected",
        "digabung": "merged with another complaint",
    },
}

PRIVACY_LABELS: dict[str, dict[str, str]] = {
    "id": {"anonim": "Anonim", "rahasia": "Rahasia", "terbuka": "Terbuka"},
    "en": {"anonim": "Anonymous", "rahasia": "Confidential", "terbuka": "Open"},
}

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

# Words a reporter may type instead of pressing a button (both languages accepted always).
DONE_WORDS = frozenset({"selesai", "lanjut", "sudah", "done", "next", "finish", "finished"})
SKIP_WORDS = frozenset({"lewati", "skip", "tidak ada", "tidak", "none", "no", "-"})
TODAY_WORDS = frozenset({"hari ini", "today"})
YESTERDAY_WORDS = frozenset({"kemarin", "yesterday"})


def language_of(code: str | None) -> str:
    """Return ``en`` for an English Telegram language code, else Indonesian."""
    return "en" if (code or "").lower().startswith("en") else DEFAULT_LANGUAGE


def t(lang: str, key: str, /, **values: Any) -> str:
    """Return the text ``key`` in ``lang`` (Indonesian when missing), filled with ``values``."""
    table = TEXTS.get(lang, _ID)
    template = table.get(key) or _ID[key]
    return template.format(**values) if values else template


def status_label(lang: str, status: str) -> str:
    """Return a complaint status in words."""
    return STATUS_LABELS.get(lang, STATUS_LABELS["id"]).get(status, status)


def privacy_label(lang: str, privacy: str) -> str:
    """Return a privacy choice in words."""
    return PRIVACY_LABELS.get(lang, PRIVACY_LABELS["id"]).get(privacy, privacy)
